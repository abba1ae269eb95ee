using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Tests;

/// <summary>`capture -o FILE.parquet` on the loopback interface: nothing at the name while capturing, a whole file once stopped.</summary>
[Collection("live capture")]
public sealed class LiveCaptureParquetTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-parquet-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [NeedsLiveCaptureFact]
    public void AStoppedCapture_LeavesAParquetFileDuckDbReads()
    {
        string parquet = Path.Combine(_scratch, "live.parquet");
        int port = FreePort();
        var text = new StringWriter();
        TextWriter error = TextWriter.Synchronized(text);
        string Error()
        {
            lock (error)
                return text.ToString();
        }
        using var stop = new CancellationTokenSource();
        var settings = new CaptureSettings
        {
            Interface = "lo",
            Filter = $"tcp port {port}",
            TimeLimit = TimeSpan.FromSeconds(20), // a safety net
            ReportEvery = null,
            Output = new OutputSettings { Format = OutputFormat.Parquet, OutputPath = parquet },
        };
        var terminal = new TerminalInfo(OutputIsTerminal: false, ErrorIsTerminal: true, Width: 120, ColourAllowed: false);
        var run = Task.Run(() => new CaptureWorker(TextWriter.Null, error, terminal).Run(settings, stop.Token));
        var started = DateTime.UtcNow;
        while (!Error().Contains("packets,", StringComparison.Ordinal) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        Assert.False(run.IsCompleted, "the capture ended before the traffic: " + Error());

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        Thread.Sleep(300);
        // Written under a temporary name until the footer is on disk: no unreadable file at the name meanwhile.
        Assert.False(File.Exists(parquet), "a Parquet file without its footer is at the name while capturing");
        stop.Cancel(); // what Ctrl+C does
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the capture did not stop");
        Assert.Equal(0, run.Result);

        object?[] row = DuckDb.Query($"SELECT cause, server_port FROM read_parquet({DuckDb.Literal(parquet)})").Rows.Single();
        Assert.Equal("refused", row[0]);
        Assert.Equal(port, row[1]);
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial"));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
