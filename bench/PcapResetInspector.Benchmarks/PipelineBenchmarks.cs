using BenchmarkDotNet.Attributes;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Benchmarks;

/// <summary>
/// Each stage of the pipeline over the same in-memory capture (10,000 packets, a few MB): the pcap
/// reader alone, the decoder alone, the connection tracker alone (on pre-decoded segments), and the whole
/// CaptureAnalyzer. Times are per packet; the MB/s and packets/s columns turn them into throughput.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class PipelineBenchmarks
{
    private BenchmarkCapture _capture = null!;

    [Params(CaptureProfile.Mixed, CaptureProfile.Synflood)]
    public CaptureProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup() => _capture = BenchmarkCapture.For(Profile);

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Read()
    {
        long bytes = 0;
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(_capture.File, writable: false), "benchmark");
        while (source.TryReadNext(out PacketRecord packet))
            bytes += packet.Data.Length;
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public int Decode()
    {
        int tcp = 0;
        byte[] bytes = _capture.FrameBytes;
        foreach ((int offset, int length, long timestamp) in _capture.Frames)
        {
            if (PacketDecoder.Decode(bytes.AsSpan(offset, length), LinkTypes.Ethernet, timestamp, out TcpSegment _) == DecodeStatus.Tcp)
                tcp++;
        }
        return tcp;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Track()
    {
        var sink = new DiscardingSink();
        var tracker = new ConnectionTracker(sink);
        byte[] bytes = _capture.FrameBytes;
        TcpSegment[] segments = _capture.Segments;
        (int Offset, int Length, long Timestamp)[] frames = _capture.Frames;
        for (int i = 0; i < segments.Length; i++)
            tracker.Process(in segments[i], bytes.AsSpan(frames[i].Offset, frames[i].Length));
        tracker.Drain();
        return sink.Count;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Analyze()
    {
        var sink = new DiscardingSink();
        var analyzer = new CaptureAnalyzer(sink);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(_capture.File, writable: false), "benchmark"))
            analyzer.Run(source);
        analyzer.Finish();
        return sink.Count;
    }

    /// <summary>Counts connections and drops them, so only the tracker's own cost is measured.</summary>
    private sealed class DiscardingSink : IConnectionSink
    {
        public long Count { get; private set; }

        public void Add(in ConnectionRecord connection) => Count++;
    }
}
