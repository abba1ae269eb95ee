using System.Net;
using System.Net.Sockets;
using CsvHelper;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.LibPcap;

namespace PcapResetInspector.Cli.Tests;

/// <summary>Runs only as root with libpcap (as CI runs); elsewhere it says why it skipped.</summary>
public sealed class NeedsLiveCaptureFactAttribute : FactAttribute
{
    public NeedsLiveCaptureFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "live capture tests use Linux's loopback interface 'lo'";
        else if (Environment.UserName != "root")
            Skip = "live capture needs root (or CAP_NET_RAW); run the tests as root to include them";
        else if (!LibPcapRuntime.IsAvailable)
            Skip = "libpcap is not installed here (" + LibPcapLibrary.InstallHint(LibPcapLibrary.CurrentPlatform) + ")";
        else if (LoopbackProbe.Value is { } reason)
            Skip = "cannot capture on 'lo' here: " + reason;
    }

    /// <summary>Root in a container may still lack CAP_NET_RAW: try once, and say so instead of failing.</summary>
    private static readonly Lazy<string?> LoopbackProbe = new(() =>
    {
        try
        {
            using var probe = LiveCapture.Open(new LiveCaptureOptions("lo"));
            return null;
        }
        catch (LiveCaptureException e)
        {
            return e.Message;
        }
    });
}

/// <summary>
/// `capture` on the loopback interface with real sockets: each test starts the capture, makes the
/// traffic once the capture is running, stops it by count or by duration, and reads the CSV.
/// </summary>
[Collection("live capture")]
public sealed class LiveCaptureTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private sealed record LiveRun(int ExitCode, string Output, string Error, List<Dictionary<string, string>> Rows);

    /// <summary>Starts `capture -i lo`, waits until libpcap is capturing (the CSV exists), runs the traffic, waits for the stop.</summary>
    private LiveRun Capture(string filter, Action traffic, long? packetLimit = null, TimeSpan? timeLimit = null)
    {
        string csv = Path.Combine(_scratch, "flagged.csv");
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var settings = new CaptureSettings
        {
            Interface = "lo",
            Filter = filter,
            PacketLimit = packetLimit,
            TimeLimit = timeLimit ?? TimeSpan.FromSeconds(20), // a safety net when stopping by count
            CsvPath = csv,
            ReportEvery = null,
            Output = new OutputSettings(),
        };
        var run = Task.Run(() => new CaptureWorker(output, error, TerminalInfo.None).Run(settings, CancellationToken.None));
        var started = DateTime.UtcNow;
        while (!File.Exists(csv) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        Thread.Sleep(200);
        Assert.False(run.IsCompleted, "the capture ended before the traffic: " + error);
        traffic();
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the capture did not stop");
        var rows = new List<Dictionary<string, string>>();
        using (CsvReader reader = CsvReader.FromText(File.ReadAllText(csv)))
        {
            while (reader.Read())
                rows.Add(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)));
        }
        return new LiveRun(run.Result, output.ToString(), error.ToString(), rows);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [NeedsLiveCaptureFact]
    public void ConnectToAClosedPort_IsFlaggedRefused_StoppedByCount()
    {
        int port = FreePort(); // free again once the probe is closed: nothing listens there
        LiveRun run = Capture($"tcp port {port}", () =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }, packetLimit: 2);

        Assert.Equal(0, run.ExitCode);
        var row = Assert.Single(run.Rows);
        Assert.Equal(("refused", "actionable", "REJ", "server"), (row["cause"], row["verdict"], row["conn_state"], row["reset_by_role"]));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), row["server_port"]);
        Assert.Contains("2 packets captured", run.Error, StringComparison.Ordinal);
        Assert.Contains("packets dropped by kernel", run.Error, StringComparison.Ordinal);
    }

    [NeedsLiveCaptureFact]
    public void ServerClosingWithLingerZero_IsFlaggedAbortiveClose_StoppedByDuration()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        LiveRun run = Capture($"tcp port {port}", () =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(IPAddress.Loopback, port);
            using Socket server = listener.AcceptSocket();
            client.Send("GET / HTTP/1.0\r\n\r\n"u8);
            byte[] request = new byte[64];
            int read = 0;
            while (read < 18)
                read += server.Receive(request, read, request.Length - read, SocketFlags.None);
            server.Send(new byte[300]);
            byte[] response = new byte[300];
            int got = 0;
            while (got < 300)
                got += client.Receive(response, got, 300 - got, SocketFlags.None);
            Thread.Sleep(50);
            // SO_LINGER on with a zero timeout: close() sends RST instead of FIN (RFC 9293 §3.10.4 ABORT).
            server.LingerState = new LingerOption(true, 0);
            server.Close();
            Thread.Sleep(100);
        }, timeLimit: TimeSpan.FromSeconds(3));

        Assert.Equal(0, run.ExitCode);
        var row = Assert.Single(run.Rows);
        Assert.Equal(("abortive-close", "benign", "server"), (row["cause"], row["verdict"], row["reset_by_role"]));
        Assert.Equal("RSTR", row["conn_state"]);
    }

    [NeedsLiveCaptureFact]
    public void ClientOpening445And139AtOnce_KeepingOne_IsABenignRace()
    {
        using var smb = new TcpListener(IPAddress.Loopback, 445);
        using var netbios = new TcpListener(IPAddress.Loopback, 139);
        smb.Start();
        netbios.Start();
        LiveRun run = Capture("tcp port 445 or tcp port 139", () =>
        {
            // Windows connects to both ports at once and keeps the first that completes (resets.md).
            using var to445 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var to139 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Task first = to445.ConnectAsync(IPAddress.Loopback, 445);
            Task second = to139.ConnectAsync(IPAddress.Loopback, 139);
            Task.WaitAll(first, second);
            using Socket server445 = smb.AcceptSocket();
            using Socket server139 = netbios.AcceptSocket();

            // The loser: reset right after the handshake (variant B).
            to139.LingerState = new LingerOption(true, 0);
            to139.Close();

            // The winner carries SMB: a NetBIOS session message (0x00) holding an SMB2 NEGOTIATE.
            byte[] negotiate = [0x00, 0x00, 0x00, 0x44, 0xFE, (byte)'S', (byte)'M', (byte)'B', .. new byte[64]];
            to445.Send(negotiate);
            byte[] buffer = new byte[negotiate.Length];
            int read = 0;
            while (read < buffer.Length)
                read += server445.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            server445.Send([0x00, 0x00, 0x00, 0x40, 0xFE, (byte)'S', (byte)'M', (byte)'B', .. new byte[60]]);
            // Read the answer, so closing the winner later is a FIN, not a RST for unread data.
            byte[] answer = new byte[68];
            int got = 0;
            while (got < answer.Length)
                got += to445.Receive(answer, got, answer.Length - got, SocketFlags.None);
            Thread.Sleep(200);
        }, timeLimit: TimeSpan.FromSeconds(3));

        Assert.Equal(0, run.ExitCode);
        var row = Assert.Single(run.Rows);
        Assert.Equal(("smb-race-loser", "benign", "139"), (row["cause"], row["verdict"], row["server_port"]));
        Assert.Equal(("B", "smb-139-445"), (row["race_variant"], row["race_kind"]));
        Assert.NotEqual("", row["race_group"]);
        Assert.NotEqual("", row["race_sibling_uid"]);
        Assert.Contains("SYN to SYN", row["evidence"], StringComparison.Ordinal);
    }

    [NeedsLiveCaptureFact]
    public void UnknownInterface_IsExitCode2_ListingTheInterfaces()
    {
        CliResult r = CliRunner.Run("capture", "-i", "no-such-interface0", "-c", "1");
        Assert.Equal(ExitCodes.InvalidInterface, r.ExitCode);
        Assert.Contains("no-such-interface0", r.Error, StringComparison.Ordinal);
        Assert.Contains("lo", r.Error, StringComparison.Ordinal);
    }

    [NeedsLiveCaptureFact]
    public void BadCaptureFilter_IsExitCode4()
    {
        CliResult r = CliRunner.Run("capture", "-i", "lo", "-c", "1", "port", "99999");
        Assert.Equal(ExitCodes.InvalidFilter, r.ExitCode);
        Assert.Contains("99999", r.Error, StringComparison.Ordinal);
    }

    [NeedsLiveCaptureFact]
    public void DurationStopsPromptly_OnAQuietInterface()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliResult r = CliRunner.Run("capture", "-i", "lo", "--duration", "1s", "tcp port 9 and host 192.0.2.99");
        Assert.Equal(0, r.ExitCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5);
        Assert.Contains("0 packets captured", r.Error, StringComparison.Ordinal);
    }
}
