using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>Runs builder-made frames through the decoder and the connection tracker.</summary>
internal static class ConnectionTestHarness
{
    public static List<ConnectionSummary> Track(TrafficBuilder builder, ConnectionTrackerOptions? options = null)
    {
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, options);
        foreach (BuiltFrame frame in builder.Frames)
        {
            DecodeStatus status = PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment);
            Assert.Equal(DecodeStatus.Tcp, status);
            tracker.Process(in segment, frame.Data);
        }
        tracker.Drain();
        return sink.Connections;
    }

    /// <summary>A capture file's connections, tracked as the file orders its packets (their segment numbers are the file's).</summary>
    public static List<ConnectionSummary> Track(byte[] capture)
    {
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture), "memory");
        while (source.TryReadNext(out PacketRecord packet))
        {
            if (PacketDecoder.Decode(in packet, out TcpSegment segment) == DecodeStatus.Tcp)
                tracker.Process(in segment, packet.Data);
        }
        tracker.Drain();
        return sink.Connections;
    }

    public static ConnectionSummary Single(TrafficBuilder builder, ConnectionTrackerOptions? options = null) =>
        Assert.Single(Track(builder, options));

    /// <summary>Zeek in bare mode (zeek -b): no likely server ports, so no port-based role flips.</summary>
    public static ConnectionTrackerOptions Bare => new() { LikelyServerPorts = [] };

    /// <summary>Corrupts the TCP checksum of the frame just added (Ethernet + IPv4 without options).</summary>
    public static void CorruptLastChecksum(TrafficBuilder builder)
    {
        byte[] data = builder.Frames[^1].Data;
        data[14 + 20 + 16] ^= 0x5A;
    }
}
