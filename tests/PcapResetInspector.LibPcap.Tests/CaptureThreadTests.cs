using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>The capture thread and the statistics, live on the loopback interface. Needs root and libpcap.</summary>
public class CaptureThreadTests
{
    private static string LoopbackName() => CaptureDevices.List().First(device => device.IsLoopback).Name;

    private static void SendDatagrams(EndPoint to, int count)
    {
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] payload = new byte[64];
        for (int i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(payload, i);
            sender.SendTo(payload, to);
        }
    }

    [LiveCaptureFact]
    public void PacketsReachTheRingInOrder_AndThePacketLimitStopsTheThread()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        using LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = $"udp dst port {port}", ImmediateMode = true });
        using var ring = new PacketRing(1 << 20, 128, capture.LinkType, capture.Name);
        var thread = new CaptureThread(capture, ring, packetLimit: 300);
        using var deadline = new Timer(_ => thread.Stop(), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        thread.Start();
        SendDatagrams(receiver.LocalEndPoint!, 400);

        int expected = 0;
        while (ring.TryReadNext(out PacketRecord packet))
        {
            Assert.Equal(DecodeStatus.NotTcp, PacketDecoder.Decode(packet, out _));
            // The payload follows 14 (Ethernet) + 20 (IPv4) + 8 (UDP) bytes.
            Assert.Equal(expected++, BitConverter.ToInt32(packet.Data[42..]));
        }

        thread.Join();
        Assert.Null(thread.Failure);
        Assert.Equal(300, expected);
        Assert.Equal(300, thread.PacketsTaken);
        Assert.Equal(0, ring.Dropped);
    }

    [LiveCaptureFact]
    public void KernelDrops_AreCounted_WhereSharpPcapsOwnStatisticsSayNone()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        // A small kernel buffer that nobody reads: most of the datagrams cannot be kept.
        using LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = $"udp dst port {port}", BufferSize = 64 * 1024 });
        SendDatagrams(receiver.LocalEndPoint!, 20_000);

        LiveCaptureStatistics statistics = capture.GetStatistics();
        Assert.True(statistics.Dropped > 1_000, $"pcap_stats says {statistics.Dropped} dropped of {statistics.Received}");
        Assert.True(statistics.Received >= 20_000, $"pcap_stats says {statistics.Received} received");
    }
}
