using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CsvHelper;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.Cli.Tests;

/// <summary>A live capture with the kernel's reasons: root, libpcap, lo, and Linux 6.10+ with tracefs; else skipped with the reason.</summary>
public sealed class NeedsKernelReasonsFactAttribute : FactAttribute
{
    public NeedsKernelReasonsFactAttribute(bool needsNftables = false)
    {
        Skip = new NeedsLiveCaptureFactAttribute().Skip ?? Probe.Value ?? (needsNftables ? Nft.Probe.Value : null);
    }

    private static readonly Lazy<string?> Probe = new(() =>
    {
        try
        {
            TracefsResetReader.CheckAvailable();
            return null;
        }
        catch (KernelReasonsException e)
        {
            return e.Message;
        }
    });
}

/// <summary>nft, for the scenarios that need packets dropped; each test's table is its own and is deleted after.</summary>
internal static class Nft
{
    public static readonly Lazy<string?> Probe = new(() =>
    {
        try
        {
            Run("add table inet pri_kernel_probe");
            Run("delete table inet pri_kernel_probe");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "nft is missing or nf_tables is unavailable (apt-get install nftables): " + e.Message;
        }
    });

    public static void Run(string arguments)
    {
        var start = new ProcessStartInfo("nft") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string word in arguments.Split(' '))
            start.ArgumentList.Add(word);
        using Process nft = Process.Start(start)!;
        string error = nft.StandardError.ReadToEnd();
        nft.WaitForExit();
        if (nft.ExitCode != 0)
            throw new InvalidOperationException("nft " + arguments + ": " + error.Trim());
    }

    /// <summary>Drops on the output hook what <paramref name="rule"/> matches until disposed.</summary>
    public static IDisposable Drop(string table, string rule)
    {
        Run($"add table inet {table}");
        Run($"add chain inet {table} out {{ type filter hook output priority 0 ; }}");
        Run($"add rule inet {table} out {rule} drop");
        return new Table(table);
    }

    private sealed class Table(string name) : IDisposable
    {
        public void Dispose() => Run($"delete table inet {name}");
    }
}

/// <summary>
/// `capture --kernel-reasons` on lo with real sockets, one scenario of resets.md's table each: the RST this host
/// sends carries the kernel's reason (tcp_send_reset) in CSV and JSON, with a cause that agrees with it.
/// </summary>
[Collection("live capture")]
public sealed class LiveCaptureKernelReasonsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-kernel-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private sealed record Row(Dictionary<string, string> Csv, JsonElement Json);

    private sealed record Run(int ExitCode, string Output, string Error, List<Row> Rows);

    private Run Capture(int port, Action traffic, TimeSpan duration)
    {
        string csv = Path.Combine(_scratch, "flagged.csv");
        string json = Path.Combine(_scratch, "flagged.json");
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var settings = new CaptureSettings
        {
            Interface = "lo",
            Filter = $"tcp port {port}",
            TimeLimit = duration,
            CsvPath = csv,
            ReportEvery = null,
            KernelReasons = true,
            Output = new OutputSettings { Format = OutputFormat.Json, OutputPath = json },
        };
        var run = Task.Run(() => new CaptureWorker(output, error, TerminalInfo.None).Run(settings, CancellationToken.None));
        var started = DateTime.UtcNow;
        while (!File.Exists(csv) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        Thread.Sleep(300);
        Assert.False(run.IsCompleted, "the capture ended before the traffic: " + error);
        traffic();
        Assert.True(run.Wait(duration + TimeSpan.FromSeconds(30)), "the capture did not stop");
        var rows = new List<Row>();
        string[] lines = File.ReadAllLines(json);
        using (CsvReader reader = CsvReader.FromText(File.ReadAllText(csv)))
        {
            int i = 0;
            while (reader.Read())
                rows.Add(new Row(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)), JsonDocument.Parse(lines[i++]).RootElement));
        }
        Assert.Empty(Directory.GetDirectories("/sys/kernel/tracing/instances", TracefsResetReader.InstancePrefix + "*"));
        return new Run(run.Result, output.ToString(), error.ToString(), rows);
    }

    private static void AssertKernel(Row row, string reason, string cause)
    {
        Assert.Equal((reason, cause, ""), (row.Csv["kernel_reason"], row.Csv["cause"], row.Csv["wire_cause"]));
        Assert.Equal(reason, row.Json.GetProperty("reset.kernel_reason").GetString());
        Assert.Equal(cause, row.Json.GetProperty("reset.cause").GetString());
        Assert.Equal(reason, row.Csv["kernel_reason_inferred"]); // the wire alone implied the same reason
        Assert.StartsWith("kernel: " + reason, row.Csv["evidence"], StringComparison.Ordinal);
    }

    private static (TcpListener Listener, int Port) Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    private static int FreePort()
    {
        (TcpListener probe, int port) = Listen();
        probe.Stop();
        return port;
    }

    [NeedsKernelReasonsFact]
    public void Refused_IsNoSocket()
    {
        int port = FreePort();
        Run run = Capture(port, () =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        }, TimeSpan.FromSeconds(2));

        Assert.Equal(0, run.ExitCode);
        AssertKernel(Assert.Single(run.Rows), "NO_SOCKET", "refused");
        Assert.Contains("kernel reset events read", run.Error, StringComparison.Ordinal);
    }

    [NeedsKernelReasonsFact]
    public void ServerClosingWithARequestUnread_IsTcpAbortOnClose()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            Run run = Capture(port, () =>
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using Socket server = listener.AcceptSocket();
                client.Client.Send("GET / HTTP/1.1\r\n\r\n"u8);
                Thread.Sleep(100);
                server.Close(); // the request was never read
                Thread.Sleep(100);
            }, TimeSpan.FromSeconds(2));

            AssertKernel(Assert.Single(run.Rows), "TCP_ABORT_ON_CLOSE", "close-with-unread-data");
        }
    }

    [NeedsKernelReasonsFact]
    public void ClientLingerZeroAfterReadingEverything_IsTcpState_AndOverridesTheWire()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            Run run = Capture(port, () =>
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
            }, TimeSpan.FromSeconds(2));

            Row row = Assert.Single(run.Rows);
            // On the wire this looks like close-with-unread-data (the RST acknowledges the server's data); the kernel knows better.
            Assert.Equal(("TCP_STATE", "abortive-close", "close-with-unread-data"), (row.Csv["kernel_reason"], row.Csv["cause"], row.Csv["wire_cause"]));
            Assert.Equal("close-with-unread-data", row.Json.GetProperty("reset.wire_cause").GetString());
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
            Run run = Capture(port, () =>
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(IPAddress.Loopback, port);
                Socket server = listener.AcceptSocket();
                server.Close(); // FIN; the client's socket goes on
                Thread.Sleep(200);
                client.Send("late"u8);
                Thread.Sleep(200);
            }, TimeSpan.FromSeconds(2));

            AssertKernel(Assert.Single(run.Rows), "TCP_TIMEWAIT_SOCKET", "data-after-close");
        }
    }

    [NeedsKernelReasonsFact(needsNftables: true)]
    public void UnansweredKeepalives_AreTcpKeepaliveTimeout()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            Run run = Capture(port, () =>
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

            AssertKernel(Assert.Single(run.Rows), "TCP_KEEPALIVE_TIMEOUT", "keepalive-failure");
        }
    }

    [NeedsKernelReasonsFact(needsNftables: true)]
    public void DataToAServerWhoseSocketVanished_IsNoSocket_HalfOpen()
    {
        (TcpListener listener, int port) = Listen();
        using (listener)
        {
            Run run = Capture(port, () =>
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
            }, TimeSpan.FromSeconds(3));

            AssertKernel(Assert.Single(run.Rows), "NO_SOCKET", "half-open");
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
