using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Export;

public class SelectedConnectionSinkTests
{
    private sealed class RecordingExporter : IConnectionExporter
    {
        public List<(ConnectionSummary Connection, ResetDiagnosis? Diagnosis)> Rows { get; } = [];
        public int Flushes { get; private set; }

        public void Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty) => Rows.Add((connection, diagnosis));
        public void Flush() => Flushes++;
        public void Complete(long closeTime) { }
    }

    /// <summary>Every sample at once: races, refusals, an abort, a clean session.</summary>
    private static (List<ConnectionSummary> All, RecordingExporter Exporter) Run(ConnectionSelection selection, bool flushEachRow = false)
    {
        var exporter = new RecordingExporter();
        var sink = new SelectedConnectionSink(selection, [exporter], flushEachRow);
        var grouper = new RaceGrouper(sink);
        var all = new ConnectionList();
        var tracker = new ConnectionTracker(new Both(all, grouper));
        // Shift each sample so they form one timeline without overlapping.
        long offset = 0;
        foreach (var sample in SampleCaptures.All)
        {
            var built = sample.Build().Frames.OrderBy(f => f.TimestampNanos).ToList();
            long first = built[0].TimestampNanos;
            foreach (BuiltFrame frame in built)
            {
                var record = new PacketRecord(frame.Data, frame.TimestampNanos - first + offset, frame.Data.Length, frame.LinkType, 0);
                if (PacketDecoder.Decode(in record, out TcpSegment segment) == DecodeStatus.Tcp)
                    tracker.Process(in segment, record.Data);
            }
            offset += built[^1].TimestampNanos - first + 3_600_000_000_000L;
        }
        tracker.Drain();
        grouper.Complete();
        return (all.Connections, exporter);
    }

    private sealed class Both(IConnectionSink first, IConnectionSink second) : IConnectionSink
    {
        public void Add(in ConnectionRecord connection)
        {
            first.Add(in connection);
            second.Add(in connection);
        }
    }

    [Fact]
    public void All_ListsEveryConnectionExactlyOnce()
    {
        var (all, exporter) = Run(new ConnectionSelection { All = true });
        Assert.Equal(all.Select(c => c.Uid).Order(), exporter.Rows.Select(r => r.Connection.Uid).Order());
        Assert.Contains(exporter.Rows, r => r.Diagnosis is null);
        Assert.Contains(exporter.Rows, r => r.Diagnosis is not null);
    }

    [Fact]
    public void Default_ListsOnlyDiagnosedConnections()
    {
        var (all, exporter) = Run(new ConnectionSelection());
        Assert.NotEmpty(exporter.Rows);
        Assert.All(exporter.Rows, r => Assert.NotNull(r.Diagnosis));
        Assert.True(exporter.Rows.Count < all.Count);
    }

    [Fact]
    public void VerdictAndCauseFilters_Narrow_EvenWithAll()
    {
        var (_, actionable) = Run(new ConnectionSelection { All = true, Verdicts = new HashSet<Verdict> { Verdict.Actionable } });
        Assert.NotEmpty(actionable.Rows);
        Assert.All(actionable.Rows, r => Assert.Equal(Verdict.Actionable, r.Diagnosis!.Verdict));

        var (_, races) = Run(new ConnectionSelection { Causes = new HashSet<ResetCause> { ResetCause.SmbRaceLoser } });
        Assert.Equal(2, races.Rows.Count);
        Assert.All(races.Rows, r => Assert.Equal(ResetCause.SmbRaceLoser, r.Diagnosis!.Cause));

        var (_, none) = Run(new ConnectionSelection { Verdicts = new HashSet<Verdict> { Verdict.Suspicious } });
        Assert.Empty(none.Rows);
    }

    [Fact]
    public void FlushEachRow_FlushesOncePerRow()
    {
        var (_, exporter) = Run(new ConnectionSelection(), flushEachRow: true);
        Assert.Equal(exporter.Rows.Count, exporter.Flushes);
    }
}
