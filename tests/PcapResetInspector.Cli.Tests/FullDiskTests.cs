using System.Diagnostics;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>A 64 KiB tmpfs: a disk that fills after a few rows. Mounting needs root on Linux.</summary>
public sealed class FullDisk : IDisposable
{
    /// <summary>Why no such disk can be had here, or null (tried once, by mounting and unmounting one).</summary>
    public static readonly Lazy<string?> Unavailable = new(() =>
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            return "needs root on Linux to mount a 64 KiB tmpfs";
        using var trial = new FullDisk();
        return trial.Path is null ? "mount -t tmpfs failed here (no CAP_SYS_ADMIN in this container)" : null;
    });

    public FullDisk()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            return;
        string path = Directory.CreateTempSubdirectory("full-disk-").FullName;
        if (Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", path) != 0)
        {
            Directory.Delete(path);
            return;
        }
        Path = path;
    }

    /// <summary>The mount point, or null when it could not be made.</summary>
    public string? Path { get; }

    public void Dispose()
    {
        if (Path is null)
            return;
        // Lazily: a handle still open in this process (the runtime closes some late) must not fail the cleanup.
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

/// <summary>A fact skipped, with the reason, where no full disk can be made.</summary>
public sealed class FullDiskFactAttribute : FactAttribute
{
    public FullDiskFactAttribute()
    {
        if (FullDisk.Unavailable.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>A live capture on a full disk: skipped, with the reason, where either cannot be had.</summary>
public sealed class FullDiskLiveCaptureFactAttribute : FactAttribute
{
    public FullDiskLiveCaptureFactAttribute()
    {
        Skip = new NeedsLiveCaptureFactAttribute().Skip ?? FullDisk.Unavailable.Value;
    }
}

/// <summary>One output on a full disk fails alone: a documented exit code, one line naming it, the others written.</summary>
public sealed class FullDiskTests(FullDisk disk) : IClassFixture<FullDisk>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("full-disk-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Capture()
    {
        string path = System.IO.Path.Combine(_directory, "mixed.pcap");
        File.WriteAllBytes(path, CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 3, MaxBytes = 4 << 20 }));
        return path;
    }

    [FullDiskFact]
    public void AnExportOnAFullDisk_IsAWriteError_AndTheReportStillComes()
    {
        string target = System.IO.Path.Combine(disk.Path!, "all.csv");
        CliResult result = CliRunner.Run("analyze", Capture(), "--all", "-o", target);

        Assert.Equal(15, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"pcap-reset-inspector: cannot write '{target}': no space left on the device; it was not kept, the other outputs were", line);
        Assert.Contains("Packets:", result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(disk.Path!)); // no half-written file, no temporary left behind
    }

    [FullDiskFact]
    public void AParquetExportOnAFullDisk_IsAWriteError_AndTheReportStillComes()
    {
        // Parquet compresses this capture's rows into less than the whole disk: most of it is taken first.
        string filler = System.IO.Path.Combine(disk.Path!, "filler");
        File.WriteAllBytes(filler, new byte[56 << 10]);
        try
        {
            string target = System.IO.Path.Combine(disk.Path!, "all.parquet");
            CliResult result = CliRunner.Run("analyze", Capture(), "--all", "-o", target);

            Assert.Equal(15, result.ExitCode);
            string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"pcap-reset-inspector: cannot write '{target}': no space left on the device; it was not kept, the other outputs were", line);
            Assert.Contains("Packets:", result.Output);
            Assert.Equal([filler], Directory.GetFileSystemEntries(disk.Path!));
        }
        finally
        {
            File.Delete(filler);
        }
    }

    [FullDiskFact]
    public void AnExtractOnAFullDisk_LosesNeitherTheCsvNorTheReport()
    {
        string csv = System.IO.Path.Combine(_directory, "flagged.csv");
        string extract = System.IO.Path.Combine(disk.Path!, "flagged.pcap");
        CliResult result = CliRunner.Run("analyze", Capture(), "-o", csv, "--write-flagged", extract);

        Assert.Equal(15, result.ExitCode);
        Assert.Equal($"pcap-reset-inspector: cannot write '{extract}': no space left on the device; it was not kept, the other outputs were",
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("Flagged packets:", result.Output);
        Assert.StartsWith("uid,", File.ReadAllText(csv));
        Assert.True(File.ReadAllLines(csv).Length > 10);
        Assert.Contains("Packets:", result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(disk.Path!));
    }
}

/// <summary>A live capture's --csv on a disk that fills: the capture goes on, the file keeps whole rows, exit 15.</summary>
[Collection("live capture")]
public sealed class FullDiskCaptureTests(FullDisk disk) : IClassFixture<FullDisk>
{
    [FullDiskLiveCaptureFact]
    public void ACsvOnAFullDisk_KeepsItsWholeRows_AndTheCaptureEndsWithAWriteError()
    {
        // Leave room for the header and a few rows only.
        File.WriteAllBytes(Path.Combine(disk.Path!, "filler"), new byte[60 * 1024]);
        string csv = Path.Combine(disk.Path!, "flagged.csv");
        using var stop = new CancellationTokenSource();
        var error = new StringWriter();
        var settings = new PcapResetInspector.Cli.Commands.CaptureSettings
        {
            Interface = "lo",
            Filter = "tcp port 9",
            TimeLimit = TimeSpan.FromSeconds(20),
            CsvPath = csv,
            ReportEvery = null,
            Output = new PcapResetInspector.Cli.Options.OutputSettings(),
        };
        // A terminal on standard error: the live status line shows once libpcap is capturing.
        var terminal = new PcapResetInspector.Cli.Reporting.TerminalInfo(false, true, 120, false);
        TextWriter shared = TextWriter.Synchronized(error);
        string Error()
        {
            lock (shared)
                return error.ToString();
        }
        var run = Task.Run(() => new PcapResetInspector.Cli.Commands.CaptureWorker(TextWriter.Null, shared, terminal).Run(settings, stop.Token));
        var started = DateTime.UtcNow;
        while (!Error().Contains("packets,", StringComparison.Ordinal) && !run.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        for (int i = 0; i < 100 && !run.IsCompleted; i++)
        {
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try { client.Connect(System.Net.IPAddress.Loopback, 9); } catch (System.Net.Sockets.SocketException) { }
        }
        Thread.Sleep(6000); // refused attempts leave the connection table after Zeek's 5 s close delay
        stop.Cancel();
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the capture did not stop");

        Assert.True(run.Result == 15, $"exit {run.Result}; stderr: {Error()}; csv: {File.ReadAllText(csv).Length} bytes");
        Assert.Contains($"cannot write '{csv}': no space left on the device", Error());
        string text = File.ReadAllText(csv);
        Assert.EndsWith("\r\n", text);
        // Every record whole: it parses, and starts with a uid.
        int rows = 0;
        using (CsvHelper.CsvReader reader = CsvHelper.CsvReader.FromText(text))
        {
            while (reader.Read())
            {
                rows++;
                Assert.Matches("^C[0-9A-Za-z]{16}$", reader.GetString("uid"));
                Assert.Equal("refused", reader.GetString("cause"));
            }
        }
        Assert.True(rows >= 1, "at least one row fitted before the disk was full");
    }
}
