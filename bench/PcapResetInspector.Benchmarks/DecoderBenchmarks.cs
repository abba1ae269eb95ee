using BenchmarkDotNet.Attributes;
using PacketDotNet;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Benchmarks;

/// <summary>
/// Our span decoder against PacketDotNet 1.4.8 on the same frames, time and allocation per packet. Both read
/// what the analysis needs: addresses, ports, flags, sequence and acknowledgement numbers, payload length.
/// PacketDotNet needs a byte[] per frame, so its benchmark is given one made up front (copying it, as
/// SharpPcap's RawCapture does, would add to its cost, not ours).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class DecoderBenchmarks
{
    private BenchmarkCapture _capture = null!;
    private byte[][] _arrays = null!;

    [Params(CaptureProfile.Mixed)]
    public CaptureProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _capture = BenchmarkCapture.For(Profile);
        _arrays = _capture.Frames.Select(frame => _capture.FrameBytes.AsSpan(frame.Offset, frame.Length).ToArray()).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Ours()
    {
        long sum = 0;
        byte[] bytes = _capture.FrameBytes;
        foreach ((int offset, int length, long timestamp) in _capture.Frames)
        {
            if (PacketDecoder.Decode(bytes.AsSpan(offset, length), LinkTypes.Ethernet, timestamp, out TcpSegment segment) == DecodeStatus.Tcp)
                sum += segment.SourceAddress.GetHashCode() + segment.DestinationAddress.GetHashCode() + segment.SourcePort + segment.DestinationPort
                       + (int)segment.Flags + segment.SequenceNumber + segment.AcknowledgmentNumber + segment.CapturedPayloadLength;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long PacketDotNet()
    {
        long sum = 0;
        foreach (byte[] frame in _arrays)
        {
            if (Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<TcpPacket>() is { ParentPacket: IPPacket ip } tcp)
                sum += ip.SourceAddress.GetHashCode() + ip.DestinationAddress.GetHashCode() + tcp.SourcePort + tcp.DestinationPort
                       + tcp.Flags + tcp.SequenceNumber + tcp.AcknowledgmentNumber + (tcp.PayloadData?.Length ?? 0);
        }
        return sum;
    }
}
