using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Tests;

/// <summary>`capture --csv` on the loopback interface: the header is there while capturing, and a second capture appends.</summary>
[Collection("live capture")]
public sealed class LiveCaptureCsvTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-csv-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>
    /// Starts `capture -i lo --csv`, waits for the live status line (drawn only once the capture loop runs, so
    /// libpcap is capturing), runs <paramref name="whileRunning"/>, then stops it and returns the exit code.
    /// </summary>
    private static int Capture(string csv, string filter, Action whileRunning)
    {
        var text = new StringWriter();
        TextWriter error = TextWriter.Synchronized(text); // locks on itself: read under the same lock
        string Error()
        {
            lock (error)
                return text.ToString();
        }
        using var stop = new CancellationTokenSource();
        var settings = new CaptureSettings
        {
            Interface = "lo",
            Filter = filter,
            TimeLimit = TimeSpan.FromSeconds(20), // a safety net
            CsvPath = csv,
            ReportEvery = null,
            Output = new OutputSettings(),
        };
        var terminal = new TerminalInfo(OutputIsTerminal: false, ErrorIsTerminal: true, Width: 120, ColourAllowed: false);
        var run = Task.Run(() => new CaptureWorker(TextWriter.Null, error, terminal).Run(settings, stop.Token));
        var started = DateTime.UtcNow;
        while (!Error().Contains("packets,", StringComparison.Ordinal) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        Assert.False(run.IsCompleted, "the capture ended before the traffic: " + Error());
        whileRunning();
        Thread.Sleep(300);
        stop.Cancel();
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the capture did not stop");
        return run.Result;
    }

    private static void ConnectToAClosedPort(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    [NeedsLiveCaptureFact]
    public void TheHeaderIsWrittenAtOnce_AndASecondCaptureAppendsItsRows()
    {
        string csv = Path.Combine(_scratch, "flagged.csv");
        int port = FreePort();
        string? whileCapturing = null;

        Assert.Equal(0, Capture(csv, $"tcp port {port}", () =>
        {
            whileCapturing = ReadShared(csv); // a kill now would leave this
            ConnectToAClosedPort(port);
        }));
        Assert.Equal(CaptureCsvFile.HeaderLine + "\r\n", whileCapturing);
        string first = File.ReadAllText(csv);

        Assert.Equal(0, Capture(csv, $"tcp port {port}", () => ConnectToAClosedPort(port)));
        string second = File.ReadAllText(csv);

        Assert.StartsWith(first, second, StringComparison.Ordinal);
        string[] lines = second.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CaptureCsvFile.HeaderLine, lines[0]);
        Assert.Equal(1, lines.Count(line => line == CaptureCsvFile.HeaderLine));
        Assert.Equal(2, lines.Count(line => line.Contains(",refused,", StringComparison.Ordinal)));
    }
}
