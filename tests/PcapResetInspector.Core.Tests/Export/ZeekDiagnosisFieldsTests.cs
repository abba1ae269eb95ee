using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>Issue 21: the diagnosis in conn.log as extra Zeek fields, with Zeek's ASCII writer's escaping.</summary>
public class ZeekDiagnosisFieldsTests
{
    [Theory]
    [InlineData(null, "-")]
    [InlineData("", "(empty)")]
    [InlineData("-", "\\x2d")]
    [InlineData("a\tb", "a\\x09b")]
    [InlineData("line\nnext\r", "line\\x0anext\\x0d")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("plain text, with commas (and parentheses)", "plain text, with commas (and parentheses)")]
    public void Values_AreEscapedAsZeeksAsciiWriterDoes(string? value, string expected)
    {
        Assert.Equal(expected, ZeekDiagnosisFields.Escape(value));
    }

    [Fact]
    public void EvidenceWithTabsAndNewlines_StaysInItsField()
    {
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.1", 40000, "10.0.0.2", 80).Syn().RefuseWithRst();
        var list = new ConnectionList();
        var tracker = new ConnectionTracker(list);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(b.ToPcapBytes()), "memory"))
        {
            while (source.TryReadNext(out PacketRecord packet))
            {
                if (PacketDecoder.Decode(in packet, out TcpSegment segment) == DecodeStatus.Tcp)
                    tracker.Process(in segment, packet.Data);
            }
        }
        tracker.Drain();
        ConnectionSummary connection = Assert.Single(list.Connections);
        var diagnosis = new ResetDiagnosis
        {
            Uid = connection.Uid,
            Connection = connection,
            ResetBy = ResetParty.Responder,
            ResetByRole = HostRole.Server,
            ClientParty = ResetParty.Originator,
            Cause = ResetCause.Refused,
            Verdict = Verdict.Actionable,
            Confidence = DiagnosisConfidence.High,
            Evidence = "first\tsecond\nthird",
            LogHint = "",
        };

        var text = new StringWriter();
        using (var log = new ZeekConnLogWriter(text, leaveOpen: true, diagnosisFields: true))
        {
            log.Write(connection, diagnosis, ResetParty.Originator);
            log.Complete(connection.LastTime);
        }
        string[] lines = text.ToString().TrimEnd('\n').Split('\n');
        string[] fields = lines.Single(l => l.StartsWith("#fields\t", StringComparison.Ordinal)).Split('\t')[1..];
        string[] types = lines.Single(l => l.StartsWith("#types\t", StringComparison.Ordinal)).Split('\t')[1..];
        string[] row = Assert.Single(lines, l => !l.StartsWith('#')).Split('\t');
        Assert.Equal(fields.Length, types.Length);
        Assert.Equal(fields.Length, row.Length);
        Assert.Equal("first\\x09second\\x0athird", row[Array.IndexOf(fields, "reset_evidence")]);
        Assert.Equal("(empty)", row[Array.IndexOf(fields, "reset_log_hint")]);
        Assert.Equal("resp", row[Array.IndexOf(fields, "reset_by")]);
        Assert.Equal("server", row[Array.IndexOf(fields, "reset_by_role")]);
        Assert.Equal("-", row[Array.IndexOf(fields, "race_group")]);
    }
}
