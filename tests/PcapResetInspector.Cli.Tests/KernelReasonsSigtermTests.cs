using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CsvHelper;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.LibPcap.Kernel;
using static PcapResetInspector.Cli.Tests.KernelCapture;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// The tool as a process of its own, stopped by SIGTERM as a service manager stops it: the tracefs instance is
/// gone, the tracing state outside it is as it was, and every output is whole, with the kernel's reasons.
/// </summary>
[Collection("live capture")]
public sealed class KernelReasonsSigtermTests : IDisposable
{
    private const string Tracing = "/sys/kernel/tracing";
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(30);

    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-live-kernel-term-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "pcap-reset-inspector.dll");

    /// <summary>The switches outside any instance that the tool must leave alone.</summary>
    private static string[] GlobalState() =>
    [
        .. new[] { "events/tcp/tcp_send_reset", "events/tcp/tcp_receive_reset", "events/sock/inet_sock_set_state" }
            .SelectMany(e => new[] { File.ReadAllText(Path.Combine(Tracing, e, "enable")), File.ReadAllText(Path.Combine(Tracing, e, "filter")) }),
        File.ReadAllText(Path.Combine(Tracing, "trace_clock")),
    ];

    [NeedsKernelReasonsFact]
    public void SigTerm_RemovesTheInstance_AndLeavesWholeOutputsWithTheReasons()
    {
        int port = FreePort();
        string csv = Path.Combine(_scratch, "flagged.csv"), parquet = Path.Combine(_scratch, "flagged.parquet"), raw = Path.Combine(_scratch, "raw.pcap");
        string[] before = GlobalState();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Dll, "capture", "-i", "lo", "--kernel-reasons", "--csv", csv, "-o", parquet, "-w", raw, "--report-every", "0", $"tcp port {port}" })
            start.ArgumentList.Add(arg);
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        string instance = Path.Combine(Tracing, "instances", TracefsResetReader.InstancePrefix + child.Id.ToString(CultureInfo.InvariantCulture));
        try
        {
            // The instance comes before the outputs; the CSV's header is written as the capture starts.
            var clock = Stopwatch.StartNew();
            while (!(Directory.Exists(instance) && File.Exists(csv)) && !child.HasExited && clock.Elapsed < HangBound)
                Thread.Sleep(20);
            Assert.True(Directory.Exists(instance), "no tracefs instance " + instance + ": " + (child.HasExited ? error.Result : "still starting"));
            Thread.Sleep(300);
            for (int i = 0; i < 2; i++)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
            }
            Thread.Sleep(300);

            using (Process kill = Process.Start("kill", ["-TERM", child.Id.ToString(CultureInfo.InvariantCulture)])!)
                kill.WaitForExit();
            Assert.True(child.WaitForExit(HangBound), "still running after SIGTERM");
            Assert.True(0 == child.ExitCode, $"exit code {child.ExitCode}: {error.Result}");
        }
        finally
        {
            if (!child.HasExited)
                child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        Assert.False(Directory.Exists(instance), "the tracefs instance is still there after SIGTERM");
        Assert.Equal(before, GlobalState());
        Assert.Contains("kernel reset events read", error.Result, StringComparison.Ordinal);

        // The CSV, flushed row by row, and the Parquet file, whole only once its footer is written at the stop.
        var rows = new List<Dictionary<string, string>>();
        using (CsvReader reader = CsvReader.FromText(File.ReadAllText(csv)))
        {
            while (reader.Read())
                rows.Add(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)));
        }
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(("refused", "NO_SOCKET", "TCP_SYN_SENT"), (r["cause"], r["kernel_reason"], r["kernel_receiver_state"])));
        DuckDb.Table table = DuckDb.Query(
            $"SELECT uid, kernel_reason, kernel_receiver_state FROM read_parquet({DuckDb.Literal(parquet)}) ORDER BY uid");
        Assert.Equal(rows.Select(r => r["uid"]).Order(StringComparer.Ordinal), table.Rows.Select(r => (string)r[0]!));
        Assert.All(table.Rows, r => Assert.Equal(("NO_SOCKET", "TCP_SYN_SENT"), ((string?)r[1], (string?)r[2])));
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial"));

        // The raw packets (-w): a pcap whose every record reads back, the four of the two refused connects.
        int packets = 0;
        using (CaptureFileSource source = CaptureFile.Open(raw))
        {
            while (source.TryReadNext(out PacketRecord _))
                packets++;
        }
        Assert.Equal(4, packets);
        Assert.Contains("Flagged 2", output.Result, StringComparison.Ordinal);
    }
}
