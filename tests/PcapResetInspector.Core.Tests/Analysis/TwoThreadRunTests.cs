using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Analysis;

/// <summary>
/// Reading and decoding on a second thread, and the sinks on a third, must give exactly what one thread
/// gives, pass on a reader's failure after tracking what came before it, and never hang when a sink fails
/// or the run is cancelled.
/// </summary>
public class TwoThreadRunTests
{
    // Several thousand segments: many batches of 1,024, and a last one part-full.
    private static readonly Lazy<byte[]> Mixed = new(() =>
        CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 5, MaxPackets = 12_345 }));

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("normal-session.pcap")]
    [InlineData("refused.pcap")]
    [InlineData("smb-race-139-445.pcap")]
    [InlineData("server-abort.pcap")]
    public void Samples_give_the_same_conn_log_on_two_and_three_threads(string sample)
    {
        byte[] capture = File.ReadAllBytes(Path.Combine(SamplesDirectory(), sample));
        string one = ConnLog(capture, threads: 1);
        Assert.Equal(one, ConnLog(capture, threads: 2));
        Assert.Equal(one, ConnLog(capture, threads: 3));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_generated_capture_of_many_batches_gives_the_same_conn_log_and_counts(int threads)
    {
        string one = ConnLog(Mixed.Value, threads: 1, out CaptureStatistics oneStats);
        string two = ConnLog(Mixed.Value, threads, out CaptureStatistics twoStats);
        Assert.Equal(one, two);
        Assert.True(twoStats.TcpSegments > 5 * 1024, $"only {twoStats.TcpSegments} segments");
        Assert.Equal(oneStats.Packets, twoStats.Packets);
        Assert.Equal(oneStats.TcpSegments, twoStats.TcpSegments);
        Assert.Equal(oneStats.RstSegments, twoStats.RstSegments);
        Assert.Equal(oneStats.LastTimestamp, twoStats.LastTimestamp);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Payload_heads_reach_the_tracker_as_on_one_thread(int threads)
    {
        List<(string Uid, string Orig, string Resp)> Heads(int threads)
        {
            var sink = new CollectingSink();
            CaptureAnalyzer analyzer = Analyzer(sink, threads);
            using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed"))
                Assert.True(analyzer.Run(source));
            analyzer.Finish();
            return sink.Connections.Select(c => (c.Uid, Convert.ToHexString(c.Originator.FirstPayload), Convert.ToHexString(c.Responder.FirstPayload))).ToList();
        }

        List<(string Uid, string Orig, string Resp)> one = Heads(1);
        Assert.Contains(one, h => h.Orig.Length == 8);
        Assert.Equal(one, Heads(threads));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_reader_failure_reaches_the_caller_after_what_came_before_is_tracked(int threads)
    {
        var sink = new CollectingSink();
        CaptureAnalyzer analyzer = Analyzer(sink, threads);
        using CaptureFileSource inner = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed");
        using var source = new FailingSource(inner, failAfter: 3_000);

        await Assert.ThrowsAsync<IOException>(() => Task.Run(() => analyzer.Run(source)).WaitAsync(Bound));
        Assert.Equal(3_000, analyzer.Statistics.Packets);
        // Every TCP segment decoded before the failure was tracked, not only whole batches.
        Assert.Equal(analyzer.Statistics.TcpSegments, TrackedSegments(analyzer, sink));
    }

    // 3,000 refused connects over a minute: each leaves the table 5 s after its RST, during the run.
    private static readonly Lazy<byte[]> Refusals = new(() =>
    {
        var b = new TrafficBuilder();
        for (int i = 0; i < 3_000; i++)
        {
            b.Tcp($"10.1.{i / 250}.{i % 250 + 1}", 40000, "10.2.0.1", 3306).Syn().RefuseWithRst();
            b.Advance(TimeSpan.FromMilliseconds(20));
        }
        return b.ToPcapBytes();
    });

    [Theory]
    [InlineData(2, 20)]
    [InlineData(3, 20)]
    [InlineData(3, 1_000)] // past the first batches handed to the diagnosis thread
    public async Task A_failing_sink_stops_the_reader_instead_of_hanging(int threads, int failAt)
    {
        var sink = new FailingSink(failAt);
        CaptureAnalyzer analyzer = Analyzer(sink, threads);
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(Refusals.Value), "refusals");

        // WaitAsync gives up with a TimeoutException if the run hangs.
        await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => analyzer.Run(source)).WaitAsync(Bound));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Cancelling_returns_false_with_what_was_read_tracked(int threads)
    {
        using var cancel = new CancellationTokenSource();
        var sink = new CollectingSink();
        CaptureAnalyzer analyzer = Analyzer(sink, threads);
        using CaptureFileSource inner = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed");
        using var source = new CancellingSource(inner, cancel, cancelAfter: 2_000);

        bool completed = await Task.Run(() => analyzer.Run(source, cancel.Token)).WaitAsync(Bound);
        Assert.False(completed);
        Assert.InRange(analyzer.Statistics.Packets, 2_000, 2_000 + 4_096); // checked every 4,096 frames
        Assert.Equal(analyzer.Statistics.TcpSegments, TrackedSegments(analyzer, sink));
    }

    private static long TrackedSegments(CaptureAnalyzer analyzer, CollectingSink sink)
    {
        analyzer.Finish();
        return sink.Connections.Sum(c => (long)(c.Originator.Packets + c.Responder.Packets));
    }

    /// <summary>1: all on the calling thread; 2: reading and decoding apart; 3: the sinks apart too.</summary>
    private static CaptureAnalyzer Analyzer(IConnectionSink sink, int threads) =>
        new(sink) { DecodeOnSecondThread = threads >= 2, DiagnoseOnThirdThread = threads == 3 };

    private static string ConnLog(byte[] capture, int threads) => ConnLog(capture, threads, out _);

    private static string ConnLog(byte[] capture, int threads, out CaptureStatistics statistics)
    {
        var text = new StringWriter();
        var writer = new ZeekConnLogWriter(text);
        CaptureAnalyzer analyzer = Analyzer(writer, threads);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture), "capture"))
            Assert.True(analyzer.Run(source));
        analyzer.Finish();
        writer.Complete(analyzer.Statistics.LastTimestamp);
        statistics = analyzer.Statistics;
        return text.ToString();
    }

    private static string SamplesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "captures");
            if (File.Exists(Path.Combine(candidate, "normal-session.pcap")))
                return candidate;
        }
        throw new DirectoryNotFoundException("captures/ not found above the test directory");
    }

    private sealed class CollectingSink : IConnectionSink
    {
        public List<ConnectionSummary> Connections { get; } = [];

        public void Add(in ConnectionRecord connection) => Connections.Add(connection.Summary);
    }

    [Fact]
    public async Task A_sink_failure_that_stops_the_reading_is_the_failure_reported()
    {
        // As a CSV written to a pipe whose reader left: the write fails, and the same event cancels the reading.
        using var outputClosed = new CancellationTokenSource();
        var sink = new FailingSink(failAt: 1_000, () => outputClosed.Cancel());
        CaptureAnalyzer analyzer = Analyzer(sink, threads: 3);
        using CaptureFileSource inner = CaptureFile.Open(new MemoryStream(Refusals.Value), "refusals");
        using var source = new StoppedSource(inner, outputClosed.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => analyzer.Run(source)).WaitAsync(Bound));
    }

    [Theory]
    [InlineData(1, false, false, false)]
    [InlineData(2, false, true, false)]
    [InlineData(3, false, true, true)]
    // Checksum verification needs the whole frame in the tracker, which the reading thread does not hand over.
    [InlineData(3, true, false, true)]
    public void The_thread_count_sets_which_stages_run_apart(int threads, bool verifyChecksums, bool decodeApart, bool diagnoseApart)
    {
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions
        {
            Threads = threads,
            Tracker = new ConnectionTrackerOptions { VerifyChecksums = verifyChecksums },
        });
        Assert.Equal((decodeApart, diagnoseApart), (pipeline.Analyzer.DecodeOnSecondThread, pipeline.Analyzer.DiagnoseOnThirdThread));
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Analyzer.UseThreads(4));
    }

    [Fact]
    public void Reuses_of_a_tuple_reach_the_sinks_between_the_same_connections_on_three_threads()
    {
        // Refused connects, each tuple tried again after the first attempt left the table: the tracker tells
        // the sinks of each reuse, between the connections it came between.
        var b = new TrafficBuilder();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 400; i++)
            {
                b.Tcp($"10.1.{i / 250}.{i % 250 + 1}", 40000, "10.2.0.1", 3306).Syn().RefuseWithRst();
                b.Advance(TimeSpan.FromMilliseconds(25));
            }
        }
        List<string> Events(int threads)
        {
            var sink = new RecordingSink();
            CaptureAnalyzer analyzer = Analyzer(sink, threads);
            using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(b.ToPcapBytes()), "retries"))
                Assert.True(analyzer.Run(source));
            analyzer.Finish();
            return sink.Events;
        }

        List<string> one = Events(1);
        Assert.True(one.Count(e => e.StartsWith("reused", StringComparison.Ordinal)) >= 400, "too few reuses");
        Assert.Equal(one, Events(3));
    }

    private sealed class RecordingSink : IConnectionSink
    {
        public List<string> Events { get; } = [];

        public void Add(in ConnectionRecord connection) =>
            Events.Add($"left {connection.Uid} {connection.History} {connection.ConnState} {connection.LastTime} {connection.RemovalTime}");

        public void TupleReused(string priorUid, NextOnTuple next) => Events.Add($"reused {priorUid} {next.Uid}");
    }

    private sealed class FailingSink(int failAt, Action? onFailure = null) : IConnectionSink
    {
        private int _seen;

        public void Add(in ConnectionRecord connection)
        {
            if (++_seen == failAt)
            {
                onFailure?.Invoke();
                throw new InvalidOperationException("sink failed");
            }
        }
    }

    private sealed class StoppedSource(IPacketSource inner, CancellationToken stop) : WrappingSource(inner)
    {
        public override bool TryReadNext(out PacketRecord packet)
        {
            stop.ThrowIfCancellationRequested();
            return base.TryReadNext(out packet);
        }
    }

    private class WrappingSource(IPacketSource inner) : IPacketSource
    {
        public string Name => inner.Name;
        public CaptureProblem? StopProblem => inner.StopProblem;
        public IReadOnlyList<CaptureProblem> Problems => inner.Problems;
        public long PacketsRead => inner.PacketsRead;

        public virtual bool TryReadNext(out PacketRecord packet) => inner.TryReadNext(out packet);

        public void Dispose()
        {
        }
    }

    private sealed class FailingSource(IPacketSource inner, long failAfter) : WrappingSource(inner)
    {
        public override bool TryReadNext(out PacketRecord packet)
        {
            if (PacketsRead == failAfter)
                throw new IOException("device went away");
            return base.TryReadNext(out packet);
        }
    }

    private sealed class CancellingSource(IPacketSource inner, CancellationTokenSource cancel, long cancelAfter) : WrappingSource(inner)
    {
        public override bool TryReadNext(out PacketRecord packet)
        {
            if (PacketsRead == cancelAfter)
                cancel.Cancel();
            return base.TryReadNext(out packet);
        }
    }
}
