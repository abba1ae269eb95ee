using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Benchmarks;

/// <summary>
/// The generated capture every benchmark reads, made the same in the host process (for the
/// throughput columns) and in each benchmark process: a fixed packet count, so that
/// OperationsPerInvoke turns BenchmarkDotNet's times into times per packet.
/// </summary>
public sealed class BenchmarkCapture
{
    public const int Packets = 10_000;

    private static readonly Dictionary<CaptureProfile, BenchmarkCapture> Made = [];

    private BenchmarkCapture(CaptureProfile profile)
    {
        File = CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = 1, MaxPackets = Packets });

        // Frames copied out once, for the benchmarks that skip the reader.
        using var stream = new MemoryStream();
        var frames = new List<(int Offset, int Length, long Timestamp)>(Packets);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(File, writable: false), "benchmark"))
        {
            while (source.TryReadNext(out PacketRecord packet))
            {
                frames.Add(((int)stream.Position, packet.Data.Length, packet.TimestampNanos));
                stream.Write(packet.Data);
            }
        }
        FrameBytes = stream.ToArray();
        Frames = [.. frames];
        CapturedBytes = Frames.Sum(frame => (long)frame.Length);

        Segments = new TcpSegment[Frames.Length];
        for (int i = 0; i < Frames.Length; i++)
        {
            (int offset, int length, long timestamp) = Frames[i];
            PacketDecoder.Decode(FrameBytes.AsSpan(offset, length), LinkTypes.Ethernet, timestamp, out Segments[i]);
        }
    }

    /// <summary>The pcap file as written.</summary>
    public byte[] File { get; }

    /// <summary>Every frame's bytes back to back; <see cref="Frames"/> says where each one is.</summary>
    public byte[] FrameBytes { get; }

    public (int Offset, int Length, long Timestamp)[] Frames { get; }

    /// <summary>The frames decoded, for the flow-tracker benchmark.</summary>
    public TcpSegment[] Segments { get; }

    public long CapturedBytes { get; }

    public static BenchmarkCapture For(CaptureProfile profile)
    {
        lock (Made)
        {
            if (!Made.TryGetValue(profile, out BenchmarkCapture? capture))
                Made[profile] = capture = new BenchmarkCapture(profile);
            return capture;
        }
    }
}
