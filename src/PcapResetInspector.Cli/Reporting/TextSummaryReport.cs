using System.Globalization;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Flows;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>The plain-text summary: totals, why frames were not analysed, and the connections that saw a RST.</summary>
public sealed class TextSummaryReport(TextWriter writer)
{
    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public void Write(CaptureStatistics stats, FlowTracker tracker, ConnectionCollector connections, DiagnosisCollector diagnoses,
        ResetStatistics resets, TimeSpan elapsed, bool interrupted, bool all)
    {
        var w = writer;
        w.WriteLine($"Packets read:      {N(stats.Packets)} ({N(stats.CapturedBytes)} bytes captured) from {stats.FilesRead} input(s) in {elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s{(interrupted ? " (interrupted)" : "")}");
        if (stats.Packets > 0)
            w.WriteLine($"Time span:         {FormatIso(stats.FirstTimestamp)} to {FormatIso(stats.LastTimestamp)}");
        w.WriteLine($"TCP segments:      {N(stats.TcpSegments)} (SYN {N(stats.SynSegments)}, FIN {N(stats.FinSegments)}, RST {N(stats.RstSegments)}; IPv6 {N(stats.Ipv6Segments)}, VLAN-tagged {N(stats.VlanSegments)}, payload cut by snaplen {N(stats.SnaplenTruncatedSegments)})");
        long skipped = stats.Decode.Total - stats.Decode[DecodeStatus.Tcp];
        if (skipped > 0)
        {
            var reasons = new List<string>();
            foreach (DecodeStatus status in Enum.GetValues<DecodeStatus>())
            {
                if (status != DecodeStatus.Tcp && stats.Decode[status] > 0)
                    reasons.Add($"{Describe(status)} {N(stats.Decode[status])}");
            }
            w.WriteLine($"Not analysed:      {N(skipped)} ({string.Join(", ", reasons)})");
        }
        if (tracker.TimestampsBackwards > 0 || tracker.TimestampOutliers > 0)
            w.WriteLine($"Timestamps:        {N(tracker.TimestampsBackwards)} packet(s) more than 1 s older than earlier ones, {N(tracker.TimestampOutliers)} isolated leap(s) ahead ignored; timeouts follow the newest time");
        w.WriteLine($"Connections:       {N(connections.Total)}, of which {N(connections.Flagged)} saw a RST (peak {N(tracker.PeakConnections)} open at once)");
        if (connections.ByConnState.Count > 0)
        {
            var states = connections.ByConnState.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key} {N(p.Value)}");
            w.WriteLine($"conn_state:        {string.Join(", ", states)}");
        }

        WriteResetSummary(resets);
        WriteDiagnoses(diagnoses);
        if (all && connections.Kept.Count > 0)
            WriteConnections(connections);
    }

    private void WriteResetSummary(ResetStatistics resets)
    {
        var w = writer;
        if (resets.Total == 0)
            return;
        string verdicts = string.Join(", ", resets.ByVerdict.Where(p => p.Value > 0).Select(p => $"{p.Key.ToKebabCase()} {N(p.Value)}"));
        string causes = string.Join(", ", resets.ByCause.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Select(p => $"{p.Key.ToKebabCase()} {N(p.Value)}"));
        w.WriteLine($"Flagged:           {N(resets.Total)} ({verdicts})");
        w.WriteLine($"By cause:          {causes}");
        var servers = resets.Servers.Where(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious) > 0).Take(5).ToList();
        if (servers.Count > 0)
            w.WriteLine("Top servers:       " + string.Join("; ", servers.Select(h => $"{IpAddress128.Format(h.Address)} {h.Count(Verdict.Actionable)} actionable, {h.Count(Verdict.Suspicious)} suspicious, peak {h.PeakResetsPerSecond}/s")));
        var clients = resets.Clients.Where(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious) > 0).Take(5).ToList();
        if (clients.Count > 0)
            w.WriteLine("Top clients:       " + string.Join("; ", clients.Select(h => $"{IpAddress128.Format(h.Address)} {h.Count(Verdict.Actionable)} actionable, {h.Count(Verdict.Suspicious)} suspicious, peak {h.PeakResetsPerSecond}/s")));
    }

    private static int Severity(Verdict verdict) => verdict switch
    {
        Verdict.Suspicious => 0,
        Verdict.Actionable => 1,
        _ => 2,
    };

    private void WriteDiagnoses(DiagnosisCollector diagnoses)
    {
        if (diagnoses.Kept.Count == 0)
            return;
        var w = writer;
        w.WriteLine();
        w.WriteLine("Flagged connections, most serious first:");
        foreach (ResetDiagnosis d in diagnoses.Kept.OrderBy(d => Severity(d.Verdict)).ThenBy(d => d.Connection.StartTime).ThenBy(d => d.Connection.Ordinal))
        {
            ConnectionSummary c = d.Connection;
            string client = Endpoint(d.Client.Address, d.Client.Port);
            string server = Endpoint(d.Server.Address, d.Server.Port);
            w.WriteLine();
            w.WriteLine($"  {d.Verdict.ToKebabCase().ToUpperInvariant()}  {d.Cause.ToKebabCase()}  {c.Uid}  {client} -> {server}  {c.ConnState} {c.History}  at {FormatIso(d.ResetTime != 0 ? d.ResetTime : c.StartTime)}");
            var who = d.ResetByRole is { } role && d.ResetBy is { } party
                ? $"reset by the {role.ToKebabCase()} ({party.ToKebabCase()})"
                : "no RST";
            var stage = d.Stage is { } st ? $", {st.ToKebabCase()}" : "";
            var race = d.RaceGroupId is { } g ? $", race group {g}{(d.SiblingUid is null ? "" : $" with {d.SiblingUid}")}" : "";
            w.WriteLine($"      {who}{stage}{race}; confidence {d.Confidence.ToKebabCase()}");
            w.WriteLine($"      evidence: {d.Evidence}");
            w.WriteLine($"      log hint: {d.LogHint}");
        }
        if (diagnoses.NotKept > 0)
            w.WriteLine($"  ... and {N(diagnoses.NotKept)} more (use --format zeek -o FILE for every connection)");
    }

    private void WriteConnections(ConnectionCollector connections)
    {
        var w = writer;
        w.WriteLine();
        w.WriteLine("Connections:");
        w.WriteLine($"  {"uid",-18} {"start (UTC)",-26} {"originator",-40} {"responder",-40} {"state",-7} {"history",-16} pkts");
        foreach (ConnectionSummary c in connections.Kept.OrderBy(c => c.StartTime).ThenBy(c => c.Ordinal))
        {
            string orig = Endpoint(c.Originator.Address, c.Originator.Port);
            string resp = Endpoint(c.Responder.Address, c.Responder.Port);
            w.WriteLine($"  {c.Uid,-18} {FormatIso(c.StartTime),-26} {orig,-40} {resp,-40} {c.ConnState,-7} {c.History,-16} {c.Originator.Packets}/{c.Responder.Packets}");
        }
        if (connections.NotKept > 0)
            w.WriteLine($"  ... and {N(connections.NotKept)} more (use --format zeek -o FILE for all of them)");
    }

    private static string Endpoint(UInt128 address, ushort port) =>
        IpAddress128.IsIPv4(address) ? $"{IpAddress128.Format(address)}:{port}" : $"[{IpAddress128.Format(address)}]:{port}";

    private static string Describe(DecodeStatus status) => status switch
    {
        DecodeStatus.NotIp => "not IP",
        DecodeStatus.NotTcp => "not TCP",
        DecodeStatus.Fragment => "non-first fragments",
        DecodeStatus.Truncated => "truncated",
        DecodeStatus.Malformed => "malformed",
        DecodeStatus.UnsupportedLinkType => "unsupported link type",
        _ => status.ToString(),
    };

    public static string FormatIso(long nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks(nanos / 100).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
}
