using System.Diagnostics;
using System.Globalization;
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
/// One flagged connection as `capture --kernel-reasons` wrote it: the --csv row, and the same connection's row in
/// the -o export of the run's format (JSON lines, a Zeek log or Parquet), read back by its own reader.
/// </summary>
internal sealed record KernelRow(Dictionary<string, string> Csv, Dictionary<string, string?> Out, OutputFormat Format)
{
    /// <summary>A field of the -o export by its CSV name; null when unset (absent JSON key, Zeek "-", Parquet null).</summary>
    public string? Exported(string csvName)
    {
        string key = Format switch
        {
            OutputFormat.Json => "reset." + csvName,
            OutputFormat.Zeek => csvName is "cause" or "evidence" ? "reset_" + csvName : csvName,
            _ => csvName,
        };
        return Out.GetValueOrDefault(key);
    }
}

internal sealed record KernelRun(int ExitCode, string Output, string Error, List<KernelRow> Rows);

/// <summary>Runs `capture --kernel-reasons` on lo around some traffic, and reads back what it wrote.</summary>
internal static class KernelCapture
{
    public static KernelRun Run(string scratch, int port, Action traffic, TimeSpan duration, OutputFormat format = OutputFormat.Json)
    {
        string csv = Path.Combine(scratch, "flagged.csv");
        string main = Path.Combine(scratch, "flagged." + format.ToString().ToLowerInvariant());
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
            Output = new OutputSettings { Format = format, OutputPath = main },
        };
        var run = Task.Run(() => new CaptureWorker(output, error, TerminalInfo.None).Run(settings, CancellationToken.None));
        var started = DateTime.UtcNow;
        while (!File.Exists(csv) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        Thread.Sleep(300);
        Assert.False(run.IsCompleted, "the capture ended before the traffic: " + error);
        traffic();
        Assert.True(run.Wait(duration + TimeSpan.FromSeconds(30)), "the capture did not stop");
        Dictionary<string, Dictionary<string, string?>> exported = ReadByUid(main, format);
        var rows = new List<KernelRow>();
        using (CsvReader reader = CsvReader.FromText(File.ReadAllText(csv)))
        {
            while (reader.Read())
            {
                var fields = reader.Headers.ToDictionary(h => h, h => reader.GetString(h));
                Assert.True(exported.TryGetValue(fields["uid"], out Dictionary<string, string?>? other), $"{fields["uid"]} is not in the {format} export");
                rows.Add(new KernelRow(fields, other!, format));
            }
        }
        Assert.Equal(rows.Count, exported.Count);
        Assert.Empty(Directory.GetDirectories("/sys/kernel/tracing/instances", TracefsResetReader.InstancePrefix + "*"));
        return new KernelRun(run.Result, output.ToString(), error.ToString(), rows);
    }

    /// <summary>Each row of an export by its uid, every value as text (null when unset).</summary>
    public static Dictionary<string, Dictionary<string, string?>> ReadByUid(string path, OutputFormat format)
    {
        var rows = new Dictionary<string, Dictionary<string, string?>>();
        void Add(Dictionary<string, string?> row) => rows.Add(row["uid"]!, row);
        switch (format)
        {
            case OutputFormat.Json:
                foreach (string line in File.ReadAllLines(path))
                {
                    using JsonDocument json = JsonDocument.Parse(line);
                    Add(json.RootElement.EnumerateObject().ToDictionary(p => p.Name,
                        p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()));
                }
                break;
            case OutputFormat.Zeek:
                string[]? names = null;
                foreach (string line in File.ReadAllLines(path))
                {
                    if (line.StartsWith("#fields\t", StringComparison.Ordinal))
                        names = line.Split('\t')[1..];
                    else if (!line.StartsWith('#'))
                    {
                        string[] values = line.Split('\t');
                        Assert.Equal(names!.Length, values.Length);
                        Add(names.Zip(values).ToDictionary(p => p.First, p => p.Second == "-" ? null : p.Second));
                    }
                }
                break;
            case OutputFormat.Parquet:
                DuckDb.Table table = DuckDb.Query($"SELECT * FROM read_parquet({DuckDb.Literal(path)})");
                foreach (object?[] values in table.Rows)
                    Add(table.Columns.Zip(values).ToDictionary(p => p.First, p => p.Second is null ? null : Convert.ToString(p.Second, CultureInfo.InvariantCulture)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }
        return rows;
    }

    /// <summary>The kernel's reason in the CSV and in the export, with a cause that agrees with it.</summary>
    public static void AssertKernel(KernelRow row, string reason, string cause, string? receiverState = null)
    {
        Assert.Equal((reason, cause, ""), (row.Csv["kernel_reason"], row.Csv["cause"], row.Csv["wire_cause"]));
        Assert.Equal((reason, cause, null), (row.Exported("kernel_reason"), row.Exported("cause"), row.Exported("wire_cause")));
        Assert.Equal(reason, row.Csv["kernel_reason_inferred"]); // the wire alone implied the same reason
        Assert.Equal(reason, row.Exported("kernel_reason_inferred"));
        Assert.StartsWith("kernel: " + reason, row.Csv["evidence"], StringComparison.Ordinal);
        Assert.Equal(row.Csv["evidence"], row.Exported("evidence"));
        if (receiverState is not null)
        {
            Assert.Equal(receiverState, row.Csv["kernel_receiver_state"]);
            Assert.Equal(receiverState, row.Exported("kernel_receiver_state"));
            Assert.Contains("the socket that took it was in " + receiverState + " (tcp_receive_reset)", row.Csv["evidence"], StringComparison.Ordinal);
        }
    }

    public static (TcpListener Listener, int Port) Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    public static int FreePort()
    {
        (TcpListener probe, int port) = Listen();
        probe.Stop();
        return port;
    }
}
