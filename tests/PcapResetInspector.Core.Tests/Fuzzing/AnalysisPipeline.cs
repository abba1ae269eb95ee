using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Tests.Fuzzing;

/// <summary>What one run of the pipeline produced.</summary>
internal sealed record PipelineOutcome(long Packets, long Connections, long Diagnoses, int Problems, long AllocatedBytes);

/// <summary>
/// The whole analysis as `analyze` runs it, in process: reader, decoder, connection tracker, race grouping and
/// reset diagnosis, reset statistics, the Zeek conn.log writer, and the text of every diagnosis. Checks
/// the invariants any input must keep: every connection leaves the table and is written exactly once,
/// every packet read is counted.
/// </summary>
internal static class AnalysisPipeline
{
    /// <param name="options">Tracker options; null for the defaults.</param>
    public static PipelineOutcome Run(byte[] capture, string name, ConnectionTrackerOptions? options = null)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var log = new StringWriter();
        var zeek = new ZeekConnLogWriter(log, leaveOpen: true);
        var connections = new ConnectionList();
        var diagnoses = new DiagnosisList();
        var resets = new ResetStatistics();
        var grouper = new RaceGrouper(new DiagnosisTee(diagnoses, resets), new DiagnosisOptions());
        var analyzer = new CaptureAnalyzer(new ConnectionTee(connections, zeek, grouper), options);

        long packetsRead;
        int problems;
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture, writable: false), name))
        {
            analyzer.Run(source);
            packetsRead = source.PacketsRead;
            problems = source.Problems.Count;
            foreach (CaptureProblem problem in source.Problems)
                _ = problem.ToString();
        }
        analyzer.Finish();
        grouper.Complete();
        zeek.Complete(analyzer.Statistics.LastTimestamp);
        foreach (ResetDiagnosis diagnosis in diagnoses.Diagnoses)
            _ = diagnosis.ToString() + diagnosis.LogHint;
        _ = resets.Servers.Count + resets.Clients.Count;

        ConnectionTracker tracker = analyzer.Tracker;
        Check(analyzer.Statistics.Packets == packetsRead, $"{analyzer.Statistics.Packets} packets analysed, {packetsRead} read");
        Check(tracker.ActiveConnections == 0, $"{tracker.ActiveConnections} connections left in the table after the end");
        Check(connections.Connections.Count == tracker.ConnectionsSeen,
            $"{tracker.ConnectionsSeen} connections created, {connections.Connections.Count} reached the sink");
        Check(connections.Connections.Select(c => c.Ordinal).Distinct().Count() == connections.Connections.Count,
            "a connection reached the sink twice");
        Check(zeek.RowsWritten == connections.Connections.Count, $"{zeek.RowsWritten} conn.log rows for {connections.Connections.Count} connections");
        return new PipelineOutcome(packetsRead, tracker.ConnectionsSeen, diagnoses.Diagnoses.Count, problems,
            GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
            throw new InvalidOperationException("invariant broken: " + message);
    }
}
