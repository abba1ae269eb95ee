using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Cli.Options;
using static PcapResetInspector.Cli.Tests.KernelCapture;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// Resets to one port a moment apart, each joined to its own kernel event: by the exact tuple tcp_send_reset
/// names, or for a listener's RST (which names no peer) by the port, the nearest in time, each event once.
/// </summary>
[Collection("live capture")]
public sealed class LiveCaptureKernelJoinTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-kernel-join-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>A bare ACK from a port nobody listens on (RFC 9293 §3.10.7.2: a listener answers it with a RST).</summary>
    private static byte[] BareAck(ushort sourcePort, ushort port)
    {
        var segment = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), port);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(8), 2000);
        segment[12] = 5 << 4; // data offset: 5 words
        segment[13] = 0x10; // ACK
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(14), 1024);
        // RFC 9293 §3.1: the checksum covers a pseudo-header of both addresses (127.0.0.1), zero, protocol 6 and the length.
        uint sum = 0x7F00 + 0x0001 + 0x7F00 + 0x0001 + 6 + (uint)segment.Length;
        for (int i = 0; i < segment.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(i));
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(16), (ushort)~sum);
        return segment;
    }

    [NeedsKernelReasonsFact]
    public void TwoResetsFromOnePort_AMomentApart_EachKeepTheirOwnReason()
    {
        (TcpListener listener, int port) = Listen();
        ushort straySource = (ushort)FreePort();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using Socket server = listener.AcceptSocket();
                client.Client.Send("GET / HTTP/1.1\r\n\r\n"u8);
                Thread.Sleep(100);
                using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Tcp);
                byte[] ack = BareAck(straySource, (ushort)port);
                // Both RSTs leave port `port` within about a hundred microseconds: the listener's, for the stray
                // ACK (its event names no peer), and the accepted socket's, for the unread request (exact tuple).
                raw.SendTo(ack, new IPEndPoint(IPAddress.Loopback, 0));
                server.Close();
                Thread.Sleep(100);
            });

            Assert.Equal(2, run.Rows.Count);
            KernelRow stray = run.Rows.Single(r => r.Csv["client_port"] == straySource.ToString(System.Globalization.CultureInfo.InvariantCulture));
            KernelRow aborted = run.Rows.Single(r => r != stray);
            Assert.Equal(("TCP_FLAGS", "TCP_LISTEN"), (stray.Csv["kernel_reason"], stray.Csv["kernel_state"]));
            Assert.StartsWith("kernel: TCP_FLAGS in TCP_LISTEN (tcp_send_reset)", stray.Csv["evidence"], StringComparison.Ordinal);
            Assert.Equal("", stray.Csv["kernel_receiver_state"]); // no socket of this host took the listener's RST
            AssertKernel(aborted, "TCP_ABORT_ON_CLOSE", "close-with-unread-data", receiverState: "TCP_ESTABLISHED");
            Assert.Equal("TCP_CLOSE", aborted.Csv["kernel_state"]);
            TimeSpan apart = (DateTimeOffset.Parse(stray.Csv["reset_time"], System.Globalization.CultureInfo.InvariantCulture)
                              - DateTimeOffset.Parse(aborted.Csv["reset_time"], System.Globalization.CultureInfo.InvariantCulture)).Duration();
            Assert.InRange(apart, TimeSpan.Zero, TimeSpan.FromMilliseconds(50)); // well inside the join's 500 ms
        }
    }

    [NeedsKernelReasonsFact]
    public void TwoConnectsRefusedAtOnce_EachTakeTheEventOfTheirOwnTuple()
    {
        int port = FreePort();
        KernelRun run = Capture(port, () =>
        {
            using var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Task first = a.ConnectAsync(IPAddress.Loopback, port);
            Task second = b.ConnectAsync(IPAddress.Loopback, port);
            Assert.ThrowsAny<SocketException>(() => first.GetAwaiter().GetResult());
            Assert.ThrowsAny<SocketException>(() => second.GetAwaiter().GetResult());
        }, OutputFormat.Zeek);

        Assert.Equal(2, run.Rows.Count);
        foreach (KernelRow row in run.Rows)
            AssertKernel(row, "NO_SOCKET", "refused", receiverState: "TCP_SYN_SENT");
        Assert.Contains("2 reset(s) this host sent carry the kernel's reason", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 reset(s) a socket of this host took carry its state then", run.Output, StringComparison.Ordinal);
    }

    private KernelRun Capture(int port, Action traffic, OutputFormat format = OutputFormat.Json) =>
        KernelCapture.Run(_scratch, port, traffic, TimeSpan.FromSeconds(2), format);
}
