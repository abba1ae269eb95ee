using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Analysis;

/// <summary>
/// Reading and decoding on a second thread must give exactly what one thread gives, pass on a reader's
/// failure after tracking what came before it, and never hang when a sink fails or the run is cancelled.
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
    public void Samples_give_the_same_conn_log_on_two_threads(string sample)
    {
        byte[] capture = File.ReadAllBytes(Path.Combine(SamplesDirectory(), sample));
        Assert.Equal(ConnLog(capture, twoThreads: false), ConnLog(capture, twoThreads: true));
    }

    [Fact]
    public void A_generated_capture_of_many_batches_gives_the_same_conn_log_and_counts()
    {
        string one = ConnLog(Mixed.Value, twoThreads: false, out CaptureStatistics oneStats);
        string two = ConnLog(Mixed.Value, twoThreads: true, out CaptureStatistics twoStats);
        Assert.Equal(one, two);
        Assert.True(twoStats.TcpSegments > 5 * 1024, $"only {twoStats.TcpSegments} segments");
        Assert.Equal(oneStats.Packets, twoStats.Packets);
        Assert.Equal(oneStats.TcpSegments, twoStats.TcpSegments);
        Assert.Equal(oneStats.RstSegments, twoStats.RstSegments);
        Assert.Equal(oneStats.LastTimestamp, twoStats.LastTimestamp);
    }

    [Fact]
    public void Payload_heads_reach_the_tracker_as_on_one_thread()
    {
        List<(string Uid, string Orig, string Resp)> Heads(bool twoThreads)
        {
            var sink = new CollectingSink();
            var analyzer = new CaptureAnalyzer(sink) { DecodeOnSecondThread = twoThreads };
            using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed"))
                Assert.True(analyzer.Run(source));
            analyzer.Finish();
            return sink.Connections.Select(c => (c.Uid, Convert.ToHexString(c.Originator.FirstPayload), Convert.ToHexString(c.Responder.FirstPayload))).ToList();
        }

        List<(string Uid, string Orig, string Resp)> one = Heads(false);
        Assert.Contains(one, h => h.Orig.Length == 8);
        Assert.Equal(one, Heads(true));
    }

    [Fact]
    public async Task A_reader_failure_reaches_the_caller_after_what_came_before_is_tracked()
    {
        var sink = new CollectingSink();
        var analyzer = new CaptureAnalyzer(sink) { DecodeOnSecondThread = true };
        using CaptureFileSource inner = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed");
        using var source = new FailingSource(inner, failAfter: 3_000);

        await Assert.ThrowsAsync<IOException>(() => Task.Run(() => analyzer.Run(source)).WaitAsync(Bound));
        Assert.Equal(3_000, analyzer.Statistics.Packets);
        // Every TCP segment decoded before the failure was tracked, not only whole batches.
        Assert.Equal(analyzer.Statistics.TcpSegments, TrackedSegments(analyzer, sink));
    }

    [Fact]
    public async Task A_failing_sink_stops_the_reader_instead_of_hanging()
    {
        var sink = new FailingSink(failAt: 20);
        var analyzer = new CaptureAnalyzer(sink) { DecodeOnSecondThread = true };
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(Mixed.Value), "mixed");

        // WaitAsync gives up with a TimeoutException if the run hangs.
        await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => analyzer.Run(source)).WaitAsync(Bound));
    }

    [Fact]
    public async Task Cancelling_returns_false_with_what_was_read_tracked()
    {
        using var cancel = new CancellationTokenSource();
        var sink = new CollectingSink();
        var analyzer = new CaptureAnalyzer(sink) { DecodeOnSecondThread = true };
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

    private static string ConnLog(byte[] capture, bool twoThreads) => ConnLog(capture, twoThreads, out _);

    private static string ConnLog(byte[] capture, bool twoThreads, out CaptureStatistics statistics)
    {
        var text = new StringWriter();
        var writer = new ZeekConnLogWriter(text);
        var analyzer = new CaptureAnalyzer(writer) { DecodeOnSecondThread = twoThreads };
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

    private sealed class FailingSink(int failAt) : IConnectionSink
    {
        private int _seen;

        public void Add(in ConnectionRecord connection)
        {
            if (++_seen == failAt)
                throw new InvalidOperationException("sink failed");
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
