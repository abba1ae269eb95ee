using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.LibPcap.Kernel;
using static PcapResetInspector.Cli.Tests.KernelCapture;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// `capture --kernel-reasons` on lo with real sockets, one scenario of resets.md's table each: the RST this host
/// sends carries the kernel's reason (tcp_send_reset) in the CSV and in the -o export (JSON, the Zeek log or
/// Parquet, read back by its own reader), with a cause that agrees with it; and since both ends are this host,
/// the state the RST found the other socket in (tcp_receive_reset).
/// </summary>
[Collection("live capture")]
public sealed class LiveCaptureKernelReasonsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-kernel-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private KernelRun Capture(int port, Action traffic, TimeSpan duration, OutputFormat format = OutputFormat.Json) =>
        KernelCapture.Run(_scratch, port, traffic, duration, format);

    [NeedsKernelReasonsFact]
    public void Refused_IsNoSocket()
    {
        int port = FreePort();
        KernelRun run = Capture(port, () =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        }, TimeSpan.FromSeconds(2));

        Assert.Equal(0, run.ExitCode);
        AssertKernel(Assert.Single(run.Rows), "NO_SOCKET", "refused", receiverState: "TCP_SYN_SENT");
        Assert.Contains("1 reset(s) a socket of this host took carry its state then (tcp_receive_reset)", run.Output, StringComparison.Ordinal);
        Assert.Contains("kernel reset events read", run.Error, StringComparison.Ordinal);
    }

    [NeedsKernelReasonsFact]
    public void ServerClosingWithARequestUnread_IsTcpAbortOnClose()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using Socket server = listener.AcceptSocket();
                client.Client.Send("GET / HTTP/1.1\r\n\r\n"u8);
                Thread.Sleep(100);
                server.Close(); // the request was never read
                Thread.Sleep(100);
            }, TimeSpan.FromSeconds(2), OutputFormat.Zeek);

            AssertKernel(Assert.Single(run.Rows), "TCP_ABORT_ON_CLOSE", "close-with-unread-data", receiverState: "TCP_ESTABLISHED");
        }
    }

    [NeedsKernelReasonsFact]
    public void ClientLingerZeroAfterReadingEverything_IsTcpState_AndOverridesTheWire()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(IPAddress.Loopback, port);
                using Socket server = listener.AcceptSocket();
                client.Send("hello"u8);
                server.Receive(new byte[16]);
                server.Send("world"u8);
                client.Receive(new byte[16]);
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                Thread.Sleep(100);
            }, TimeSpan.FromSeconds(2), OutputFormat.Parquet);

            KernelRow row = Assert.Single(run.Rows);
            // On the wire this looks like close-with-unread-data (the RST acknowledges the server's data); the kernel knows better.
            Assert.Equal(("TCP_STATE", "abortive-close", "close-with-unread-data"), (row.Csv["kernel_reason"], row.Csv["cause"], row.Csv["wire_cause"]));
            Assert.Equal(("TCP_STATE", "TCP_CLOSE", "abortive-close", "close-with-unread-data", "TCP_ESTABLISHED"),
                (row.Exported("kernel_reason"), row.Exported("kernel_state"), row.Exported("cause"), row.Exported("wire_cause"), row.Exported("kernel_receiver_state")));
            Assert.Contains("overrides the wire's close-with-unread-data", row.Csv["evidence"], StringComparison.Ordinal);
            Assert.Contains("1 disagreed with the wire's cause", run.Output, StringComparison.Ordinal);
        }
    }

    [NeedsKernelReasonsFact]
    public void DataSentToAServerThatClosed_IsTcpTimewaitSocket()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(IPAddress.Loopback, port);
                Socket server = listener.AcceptSocket();
                server.Close(); // FIN; the client's socket goes on
                Thread.Sleep(200);
                client.Send("late"u8);
                Thread.Sleep(200);
            }, TimeSpan.FromSeconds(2), OutputFormat.Zeek);

            AssertKernel(Assert.Single(run.Rows), "TCP_TIMEWAIT_SOCKET", "data-after-close", receiverState: "TCP_CLOSE_WAIT");
        }
    }

    [NeedsKernelReasonsFact(needsNftables: true)]
    public void UnansweredKeepalives_AreTcpKeepaliveTimeout()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 1);
                client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
                client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 2);
                client.Connect(IPAddress.Loopback, port);
                using Socket server = listener.AcceptSocket();
                // The server's answers are dropped before lo (and before the capture): the probes go unanswered.
                using (Nft.Drop("pri_kernel_keepalive", $"tcp sport {port}"))
                    Thread.Sleep(5500);
            }, TimeSpan.FromSeconds(7));

            AssertKernel(Assert.Single(run.Rows), "TCP_KEEPALIVE_TIMEOUT", "keepalive-failure", receiverState: "TCP_ESTABLISHED");
        }
    }

    [NeedsKernelReasonsFact(needsNftables: true)]
    public void DataToAServerWhoseSocketVanished_IsNoSocket_HalfOpen()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            KernelRun run = Capture(port, () =>
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(IPAddress.Loopback, port);
                Socket server = listener.AcceptSocket();
                client.Send("hello"u8);
                server.Receive(new byte[16]);
                server.Send("world"u8);
                client.Receive(new byte[16]);
                Thread.Sleep(200);
                // The server's socket vanishes without a word on the wire (its RST is dropped), as in a crash.
                using (Nft.Drop("pri_kernel_halfopen", $"tcp sport {port} tcp flags rst"))
                {
                    server.LingerState = new LingerOption(true, 0);
                    server.Close();
                    Thread.Sleep(100);
                }
                listener.Stop(); // the whole server is gone: no listener answers either
                Thread.Sleep(400);
                client.Send("more"u8);
                Thread.Sleep(200);
            }, TimeSpan.FromSeconds(3), OutputFormat.Parquet);

            AssertKernel(Assert.Single(run.Rows), "NO_SOCKET", "half-open", receiverState: "TCP_ESTABLISHED");
        }
    }

    [NeedsKernelReasonsFact]
    public void AKilledRunsInstance_IsRemovedByTheNextRun()
    {
        // No process has this id (above pid_max's default), as after a SIGKILL.
        string stale = Path.Combine("/sys/kernel/tracing/instances", TracefsResetReader.InstancePrefix + "4194305");
        Directory.CreateDirectory(stale);
        try
        {
            using CaptureKernelReasons kernel = CaptureKernelReasons.Start(true, TextWriter.Null);
            Assert.NotNull(kernel.Book);
            Assert.False(Directory.Exists(stale));
        }
        finally
        {
            if (Directory.Exists(stale))
                Directory.Delete(stale);
        }
    }
}

public sealed class KernelReasonsProblemTests
{
    [Fact]
    public void WithoutTracefs_OneLineSaysHowToMountIt_AndTheExitCode()
    {
        var error = new StringWriter();
        using CaptureKernelReasons kernel = CaptureKernelReasons.Start(true, error, root: "/nonexistent/tracing");
        Assert.Null(kernel.Book);
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd();
        if (Environment.IsPrivilegedProcess)
        {
            Assert.Equal(ExitCodes.TracefsNotMounted, kernel.ExitCode);
            Assert.Contains("mount -t tracefs nodev /nonexistent/tracing", line, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(ExitCodes.NoPermission, kernel.ExitCode);
            Assert.Contains("need root", line, StringComparison.Ordinal);
        }
        Assert.EndsWith("capturing without them", line, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAsked_NothingIsRead()
    {
        using CaptureKernelReasons kernel = CaptureKernelReasons.Start(false, TextWriter.Null, root: "/nonexistent/tracing");
        Assert.Equal((null, ExitCodes.Success), (kernel.Book, kernel.ExitCode));
    }
}
