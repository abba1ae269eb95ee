using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>Live capture on the loopback interface with real sockets. Needs root and libpcap; skipped otherwise.</summary>
public class LiveCaptureTests
{
    /// <summary>However a test goes wrong, a capture is stopped after this long, so no test hangs.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static string LoopbackName() => CaptureDevices.List().First(device => device.IsLoopback).Name;

    /// <summary>A TCP port nobody listens on: bound by a listener, then freed.</summary>
    private static int UnusedTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static long NowNanos() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    [LiveCaptureTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConnectToAClosedPort_IsSeenAsSynThenRst(bool immediateMode)
    {
        int port = UnusedTcpPort();
        using LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = $"tcp port {port}", ImmediateMode = immediateMode });
        using var deadline = new Timer(_ => capture.Stop(), null, Deadline, Timeout.InfiniteTimeSpan);
        Assert.Equal(LinkTypes.Ethernet, capture.LinkType);   // Linux loopback is DLT_EN10MB
        Assert.True(capture.HasNanosecondTimestamps);         // Linux grants nanoseconds
        long before = NowNanos();

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var refused = Assert.Throws<SocketException>(() => socket.Connect(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        bool sawSyn = false, sawRst = false;
        long synTime = 0, rstTime = 0;
        while (!(sawSyn && sawRst) && capture.TryReadNext(out PacketRecord packet))
        {
            Assert.InRange(packet.Data.Length, 1, 128);   // the default snapshot length
            Assert.True(packet.OriginalLength >= packet.Data.Length);
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(packet, out TcpSegment segment));
            Assert.True(segment.SourcePort == port || segment.DestinationPort == port, "the kernel filter let another port through");
            if (segment.DestinationPort == port && segment.Flags == TcpFlags.Syn)
                (sawSyn, synTime) = (true, packet.TimestampNanos);
            if (segment.SourcePort == port && segment.Has(TcpFlags.Rst))
                (sawRst, rstTime) = (true, packet.TimestampNanos);
        }

        long after = NowNanos();
        Assert.True(sawSyn, "no SYN to the closed port was captured");
        Assert.True(sawRst, "no RST from the closed port was captured");
        // The time stamps come from the right header fields only if they fall in this window and in order.
        Assert.InRange(synTime, before - 1_000_000_000, after);
        Assert.InRange(rstTime, synTime, after);
        Assert.Null(capture.StopProblem);
        Assert.True(capture.PacketsRead >= 2);

        LiveCaptureStatistics statistics = capture.GetStatistics();
        Assert.True(statistics.Received >= 2, "pcap_stats counted " + statistics.Received);
        Assert.Equal(0, statistics.Dropped);
    }

    [LiveCaptureTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stop_OnAnIdleInterface_EndsTheBlockedReadWithinASecond(bool immediateMode)
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): nothing on the loopback interface matches.
        using LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = "host 192.0.2.1", ImmediateMode = immediateMode });
        using var deadline = new Timer(_ => capture.Stop(), null, Deadline, Timeout.InfiniteTimeSpan);

        var stopped = new Stopwatch();
        Task<bool> reader = Task.Factory.StartNew(() => capture.TryReadNext(out _), TaskCreationOptions.LongRunning);
        Thread.Sleep(300);   // long enough for the reader to block inside pcap_next_ex, past a few read timeouts
        Assert.False(reader.IsCompleted);

        stopped.Start();
        capture.Stop();
        Assert.True(reader.Wait(TimeSpan.FromSeconds(3)), "TryReadNext still blocked 3 s after Stop");
        stopped.Stop();

        Assert.False(reader.Result);
        Assert.InRange(stopped.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.True(capture.IsStopRequested);
        Assert.False(capture.TryReadNext(out _));
        Assert.Null(capture.StopProblem);
        Assert.Equal(0, capture.PacketsRead);
        capture.Stop();   // twice is harmless
        _ = capture.GetStatistics();   // still works after Stop, before Dispose
    }

    [LiveCaptureFact]
    public void AfterStop_BufferedPacketsAreNotHandedOut_AndAfterDisposeNeitherStopNorReadThrows()
    {
        int port = UnusedTcpPort();
        LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = $"tcp port {port}", ImmediateMode = true });
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            Assert.Throws<SocketException>(() => socket.Connect(IPAddress.Loopback, port));

        capture.Stop();
        Assert.False(capture.TryReadNext(out _));
        Assert.True(capture.GetStatistics().Received >= 2);   // the packets were there
        capture.Dispose();
        capture.Stop();
        Assert.False(capture.TryReadNext(out _));
        Assert.Throws<ObjectDisposedException>(() => capture.GetStatistics());
    }

    [LiveCaptureFact]
    public void UnknownInterface_IsNoSuchDevice_AndListsTheRealOnes()
    {
        var exception = Assert.Throws<LiveCaptureException>(() => LiveCapture.Open(new LiveCaptureOptions("nosuchif9")));
        Assert.Equal(LiveCaptureErrorKind.NoSuchDevice, exception.Kind);
        Assert.Contains("'nosuchif9'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(LoopbackName(), exception.Message, StringComparison.Ordinal);
    }

    [UnprivilegedFact]
    public void WithoutPrivileges_IsPermissionDenied_WithTheRemedy()
    {
        var exception = Assert.Throws<LiveCaptureException>(() => LiveCapture.Open(new LiveCaptureOptions(LoopbackName())));
        Assert.Equal(LiveCaptureErrorKind.PermissionDenied, exception.Kind);
        Assert.Contains(OperatingSystem.IsLinux() ? "setcap cap_net_raw,cap_net_admin=eip" : "sudo", exception.Message, StringComparison.Ordinal);
    }

    [DownInterfaceFact]
    public void DownInterface_IsInterfaceNotUp()
    {
        string name = DownInterfaceFactAttribute.FindDownInterface()!;
        var exception = Assert.Throws<LiveCaptureException>(() => LiveCapture.Open(new LiveCaptureOptions(name)));
        Assert.Equal(LiveCaptureErrorKind.InterfaceNotUp, exception.Kind);
        Assert.Contains($"'{name}' is down", exception.Message, StringComparison.Ordinal);
    }

    [LiveCaptureFact]
    public void BadFilter_IsBadFilter_WithLibPcapsMessage()
    {
        var exception = Assert.Throws<LiveCaptureException>(
            () => LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = "tcp port 99999" }));
        Assert.Equal(LiveCaptureErrorKind.BadFilter, exception.Kind);
        Assert.Contains("illegal port number 99999", exception.LibPcapMessage, StringComparison.Ordinal);
        Assert.Contains(exception.LibPcapMessage!, exception.Message, StringComparison.Ordinal);
    }

    [LiveCaptureFact]
    public void Reading_AllocatesNothingPerPacketInSteadyState()
    {
        // UDP datagrams to a bound socket on the loopback: no connection set-up, nothing answers them.
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        using LiveCapture capture = LiveCapture.Open(new LiveCaptureOptions(LoopbackName()) { Filter = $"udp dst port {port}", ImmediateMode = true });
        using var deadline = new Timer(_ => capture.Stop(), null, Deadline, Timeout.InfiniteTimeSpan);
        using (var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            byte[] payload = new byte[32];
            for (int i = 0; i < 600; i++)
                sender.SendTo(payload, receiver.LocalEndPoint!);
        }

        int read = 0;
        bool allRead = true;
        void ReadSome(int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (!capture.TryReadNext(out PacketRecord packet) || packet.Data.Length == 0)
                {
                    allRead = false;
                    return;
                }

                read++;
            }
        }

        ReadSome(100);   // warm-up
        long allocated = SteadyStateAllocation.SmallestOf(5, () => ReadSome(100));
        Assert.True(allRead, $"only {read} of the datagrams were captured");
        Assert.Equal(0, allocated);
    }
}

/// <summary>
/// A live-capture fact that also needs a network interface that exists but is down (the operating system's
/// view, so that libpcap's pseudo-devices, which are never "up", do not count); skipped, with the reason, otherwise.
/// </summary>
public sealed class DownInterfaceFactAttribute : FactAttribute
{
    public DownInterfaceFactAttribute()
    {
        Skip = LiveCaptureFactAttribute.LiveCaptureSkipReason()
            ?? (OperatingSystem.IsLinux() && FindDownInterface() is null
                ? "no network interface here is down, so pcap_activate's PCAP_ERROR_IFACE_NOT_UP cannot be provoked"
                : OperatingSystem.IsLinux() ? null : "only Linux reports a down interface at activation");
    }

    internal static string? FindDownInterface()
    {
        var libpcapNames = CaptureDevices.List().Select(device => device.Name).ToHashSet();
        return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Down && libpcapNames.Contains(nic.Name))
            .Select(nic => nic.Name)
            .FirstOrDefault();
    }
}

/// <summary>A fact for what an unprivileged process meets; skipped, with the reason, as root or without libpcap.</summary>
public sealed class UnprivilegedFactAttribute : FactAttribute
{
    public UnprivilegedFactAttribute()
    {
        if (!LibPcapRuntime.IsAvailable)
            Skip = LibPcapFactAttribute.MissingReason;
        else if (Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
            Skip = "running privileged (or on Windows, where Npcap usually lets anyone capture): permission cannot be denied here";
    }
}
