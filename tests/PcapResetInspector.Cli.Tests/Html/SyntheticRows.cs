using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Tests.Html;

/// <summary>Flagged connections made by hand, to feed the HTML report's rows directly (far faster than packets).</summary>
internal static class SyntheticRows
{
    public const long Start = 1_710_144_000_000_000_000; // 2024-03-11T08:00:00Z

    public static (ConnectionSummary, ResetDiagnosis) Make(long ordinal, long time, ResetCause cause, Verdict verdict,
        string? evidence = null, string history = "ShR", uint client = 0x0A000001, ushort serverPort = 445)
    {
        var connection = new ConnectionSummary
        {
            Ordinal = ordinal,
            StartTime = time - 1_000_000,
            LastTime = time,
            Originator = Endpoint(IpAddress128.FromIPv4(client + (uint)(ordinal % 50_000)), (ushort)(1024 + (ordinal % 60_000)), time),
            Responder = Endpoint(IpAddress128.FromIPv4(0xC0A80001), serverPort, time),
            History = history,
            ConnState = "RSTO",
            MissedBytes = 0,
            Vlan = 0,
            InnerVlan = 0,
            IpVersion = 4,
            Removal = RemovalReason.Closed,
            RemovalTime = time,
            RolesFlipped = false,
            FirstRstTime = time,
            LastPacketBeforeRstTime = time - 500_000,
            LongestIdleGap = 0,
            LongestIdleGapEnd = 0,
            FirstRstFromOriginator = true,
            Uid = "C" + ordinal.ToString("D16", System.Globalization.CultureInfo.InvariantCulture),
        };
        var diagnosis = new ResetDiagnosis
        {
            Uid = connection.Uid,
            Connection = connection,
            ResetBy = ResetParty.Originator,
            ResetByRole = HostRole.Client,
            ClientParty = ResetParty.Originator,
            Stage = ResetStage.HandshakeAfterSynAck,
            Cause = cause,
            Verdict = verdict,
            Confidence = DiagnosisConfidence.High,
            Evidence = evidence ?? $"synthetic {cause.ToKebabCase()} number {ordinal}",
            LogHint = "the client logs ECONNRESET",
        };
        return (connection, diagnosis);
    }

    private static EndpointSummary Endpoint(IpAddress128 address, ushort port, long time) => new()
    {
        Address = address, Port = port, State = EndpointState.Reset, PreviousState = EndpointState.Established,
        Size = 0, Packets = 3, IpBytes = 120, PacketsSent = 3, DataPackets = 0, PayloadBytes = 0, SynCount = 1, FinCount = 0, RstCount = 1,
        FirstPacketTime = time - 1_000_000, LastPacketTime = time, LastDataTime = 0, FirstFinTime = 0, FirstRstTime = time,
        PacketsAfterPeerRst = 0, PacketsAfterOwnRst = 0, TtlFirst = 64, TtlLast = 64, TtlMin = 64, TtlMax = 64,
        IpIdFirst = 1, IpIdLast = 3, IpIdMin = 1, IpIdMax = 3, HasTimestamps = false, TsValFirst = 0, TsValLast = 0,
        LastRawSeq = 1, LastRawAck = 1, KeepAlives = 0, Retransmissions = 0, ZeroWindows = 0, RstTtl = 64, RstIpId = 3,
        RstSeq = 1, RstAck = 1, RstHadAck = true, RstPayloadLength = 0, RstSeqMatchedExpected = true, FirstPayload = [], Mss = 1460,
    };

    /// <summary>The report's data of a pipeline that read nothing: the page then shows the rows it was given.</summary>
    public static ReportData EmptyRun(HtmlReportRows rows)
    {
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions());
        return new ReportData
        {
            Capture = pipeline.Statistics,
            Tracker = pipeline.Tracker,
            Connections = pipeline.Connections,
            Resets = pipeline.Resets,
            Rows = new Commands.ReportRows(0),
            Elapsed = TimeSpan.Zero,
            Interrupted = false,
            Selection = new ConnectionSelection(),
            RaceGroups = 0,
            ListRows = false,
        };
    }

    public static string WritePage(string path, HtmlReportRows rows)
    {
        using (var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)))
            HtmlReport.Write(writer, EmptyRun(rows), rows);
        return path;
    }
}
