using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Fuzz;

/// <summary>
/// The fuzz target: one input through the whole analysis as `analyze --all` runs it (reader, decoder,
/// connection tracker, race grouping and diagnosis, reset statistics, the CSV, JSON lines and Zeek writers),
/// the same pipeline as the mutation test's AnalysisPipeline. Nothing is caught: CaptureFile.Open and
/// the analysis document that they never throw for a stream's content, so every exception is a finding.
/// </summary>
internal static class AnalysisTarget
{
    public static void Run(byte[] input)
    {
        var connections = new ConnectionList();
        var diagnoses = new DiagnosisList();
        var resets = new ResetStatistics();
        var csv = new CsvConnectionWriter(new StringWriter(), leaveOpen: true);
        var json = new JsonLinesConnectionWriter(new StringWriter(), TimeFormat.Iso, leaveOpen: true);
        var zeek = new ZeekConnLogWriter(new StringWriter(), leaveOpen: true);
        // Every connection, diagnosed or not, reaches the CSV and JSON writers; conn.log takes them in
        // the order they leave the connection table, as analyze writes it.
        var selected = new SelectedConnectionSink(new ConnectionSelection { All = true }, [csv, json]);
        var grouper = new RaceGrouper(new DiagnosisTee(diagnoses, resets, selected), new DiagnosisOptions());
        var analyzer = new CaptureAnalyzer(new ConnectionTee(connections, zeek, grouper));

        long packetsRead;
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(input, writable: false), "fuzz"))
        {
            analyzer.Run(source);
            packetsRead = source.PacketsRead;
            foreach (CaptureProblem problem in source.Problems)
                _ = problem.ToString();
        }
        analyzer.Finish();
        grouper.Complete();
        long closeTime = analyzer.Statistics.LastTimestamp;
        csv.Complete(closeTime);
        json.Complete(closeTime);
        zeek.Complete(closeTime);
        foreach (ResetDiagnosis diagnosis in diagnoses.Diagnoses)
            _ = diagnosis.ToString() + diagnosis.LogHint;
        foreach (HostFinding finding in grouper.Findings)
            _ = finding.ToString();
        _ = resets.Servers.Count + resets.Clients.Count;

        // The invariants AnalysisPipeline checks, plus one row per connection in each export.
        ConnectionTracker tracker = analyzer.Tracker;
        int count = connections.Connections.Count;
        Check(analyzer.Statistics.Packets == packetsRead, $"{analyzer.Statistics.Packets} packets analysed, {packetsRead} read");
        Check(tracker.ActiveConnections == 0, $"{tracker.ActiveConnections} connections left in the table after the end");
        Check(count == tracker.ConnectionsSeen, $"{tracker.ConnectionsSeen} connections created, {count} reached the sink");
        Check(connections.Connections.Select(c => c.Ordinal).Distinct().Count() == count, "a connection reached the sink twice");
        Check(zeek.RowsWritten == count, $"{zeek.RowsWritten} conn.log rows for {count} connections");
        Check(csv.RowsWritten == count, $"{csv.RowsWritten} CSV rows for {count} connections");
        Check(json.RowsWritten == count, $"{json.RowsWritten} JSON rows for {count} connections");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
            throw new InvalidOperationException("invariant broken: " + message);
    }
}
