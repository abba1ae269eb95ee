using System.Globalization;
using System.Text.Json;
using CsvHelper;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Tests;

/// <summary>Permission checks need an unprivileged Unix process: root reads every file.</summary>
public sealed class UnprivilegedUnixFactAttribute : FactAttribute
{
    public UnprivilegedUnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "file modes are Unix's";
        else if (Environment.UserName == "root")
            Skip = "running as root, which reads every file; the check proves nothing here (OutsideTextTests runs it as 'nobody')";
    }
}

/// <summary>The options of `analyze` beyond reading: formats, filters, exit codes, output files.</summary>
public sealed class AnalyzeOptionsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-opt-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Sample(string name) => Path.Combine(RepositoryPaths.Captures, name);

    private string Scratch(string name) => Path.Combine(_scratch, name);

    /// <summary>Parses with CsvHelper, a widely used CSV library, rather than with this project's own code.</summary>
    private static List<Dictionary<string, string>> ReadCsv(string text, out string[] header)
    {
        using CsvReader csv = CsvReader.FromText(text);
        var rows = new List<Dictionary<string, string>>();
        string[]? names = null;
        while (csv.Read())
        {
            names ??= csv.Headers.ToArray();
            Assert.Equal(names.Length, csv.FieldCount);
            rows.Add(names.ToDictionary(h => h, h => csv.GetString(h)));
        }
        header = names ?? csv.Headers.ToArray();
        return rows;
    }

    [Fact]
    public void Csv_OpensInAStandardParser_WithTheDocumentedColumns()
    {
        string file = Scratch("flagged.csv");
        CliResult r = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "-o", file);
        Assert.Equal(0, r.ExitCode);
        var rows = ReadCsv(File.ReadAllText(file), out string[] header);
        Assert.Equal(CsvConnectionWriter.Columns, header);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("smb-race-loser", row["cause"]);
            Assert.Equal("benign", row["verdict"]);
            Assert.Equal("client", row["reset_by_role"]);
            Assert.Equal("192.168.56.10", row["server_addr"]);
            Assert.StartsWith("1:", row["community_id"], StringComparison.Ordinal);
            Assert.NotEqual("", row["race_sibling_uid"]);
            Assert.Contains("SYN to SYN", row["evidence"], StringComparison.Ordinal);
            Assert.True(DateTimeOffset.TryParse(row["start_time"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _));
            Assert.True(double.TryParse(row["start_epoch"], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        });
        Assert.Equal(new[] { "139", "445" }, rows.Select(row => row["server_port"]).Order());
    }

    [Fact]
    public void ReadmeDocumentsEveryCsvColumn()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.All(CsvConnectionWriter.Columns, column => Assert.Contains("`" + column + "`", readme, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("out.csv", "uid,start_time,")]
    [InlineData("out.json", "{\"ts\":")]
    [InlineData("out.jsonl", "{\"ts\":")]
    [InlineData("out.log", "#separator \\x09")]
    [InlineData("out.txt", "Packets:")]
    public void OutputFormat_FollowsTheFileExtension(string name, string start)
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "-o", Scratch(name));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith(start, File.ReadAllText(Scratch(name)), StringComparison.Ordinal);
    }

    [Fact]
    public void ExplicitFormat_BeatsTheExtension_AndSummaryGoesToStandardOutput()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "json", "-o", Scratch("x.csv"));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("{", File.ReadAllText(Scratch("x.csv")), StringComparison.Ordinal);
        Assert.StartsWith("4, of which 3 saw a RST", Report.Value(r.Output, "Connections"), StringComparison.Ordinal);
    }

    [Fact]
    public void ExportOnStandardOutput_PutsTheSummaryOnStandardError_UnlessQuiet()
    {
        CliResult loud = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "csv");
        Assert.StartsWith("uid,", loud.Output, StringComparison.Ordinal);
        Assert.Contains("Connections:", loud.Error, StringComparison.Ordinal);

        CliResult quiet = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "csv", "-q");
        Assert.Equal(loud.Output, quiet.Output);
        Assert.Equal("", quiet.Error);
    }

    [Fact]
    public void JsonLines_AreOneValidObjectPerConnection_WithZeekKeysAndNamespacedOwnFields()
    {
        CliResult r = CliRunner.Run("analyze", Sample("server-abort.pcap"), "--format", "json", "-q");
        string line = Assert.Single(r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement o = doc.RootElement;
        Assert.Equal("172.20.0.15", o.GetProperty("id.orig_h").GetString());
        Assert.Equal(8080, o.GetProperty("id.resp_p").GetInt32());
        Assert.Equal("RSTR", o.GetProperty("conn_state").GetString());
        Assert.Equal(JsonValueKind.Number, o.GetProperty("ts").ValueKind);
        Assert.Equal("abortive-close", o.GetProperty("reset.cause").GetString());
        Assert.Equal("resp", o.GetProperty("reset.by").GetString());
        Assert.Matches("^1:[A-Za-z0-9+/]{27}=$", o.GetProperty("community_id").GetString());
        Assert.All(o.EnumerateObject(), p => Assert.True(
            p.Name is "ts" or "uid" or "proto" or "duration" or "conn_state" or "missed_bytes" or "history" or "community_id" ||
            p.Name.StartsWith("id.", StringComparison.Ordinal) || p.Name.StartsWith("orig_", StringComparison.Ordinal) ||
            p.Name.StartsWith("resp_", StringComparison.Ordinal) || p.Name.StartsWith("reset.", StringComparison.Ordinal) ||
            p.Name.StartsWith("race.", StringComparison.Ordinal) || p.Name.StartsWith("wireshark.", StringComparison.Ordinal), p.Name));
    }

    [Fact]
    public void TimeFormatIso_WritesIsoTimesInJson()
    {
        CliResult r = CliRunner.Run("analyze", Sample("server-abort.pcap"), "--format", "json", "--time-format", "iso", "-q");
        using JsonDocument doc = JsonDocument.Parse(r.Output.Trim());
        Assert.Equal("2024-05-14T14:47:03.902114Z", doc.RootElement.GetProperty("ts").GetString());

        CliResult table = CliRunner.Run("analyze", Sample("server-abort.pcap"), "--time-format", "epoch");
        Assert.StartsWith("1715698023.902114 to ", Report.Value(table.Output, "Time span"), StringComparison.Ordinal);
    }

    [Fact]
    public void VerdictAndCauseFilters_SelectRows()
    {
        string all = Sample("refused.pcap");
        string race = Sample("smb-race-139-445.pcap");
        Assert.Equal(3, CsvRows("analyze", all, race, "--format", "csv", "--verdict", "actionable", "-q").Count);
        Assert.Equal(2, CsvRows("analyze", all, race, "--format", "csv", "--cause", "smb-race-loser", "-q").Count);
        Assert.Equal(5, CsvRows("analyze", all, race, "--format", "csv", "--verdict", "benign,actionable", "-q").Count);
        Assert.Empty(CsvRows("analyze", all, race, "--format", "csv", "--verdict", "suspicious", "-q"));

        CliResult bad = CliRunner.Run("analyze", all, "--cause", "gremlins");
        Assert.Equal(ExitCodes.UsageError, bad.ExitCode);
        Assert.Contains("Unknown cause 'gremlins'", bad.Error, StringComparison.Ordinal);
    }

    private static List<Dictionary<string, string>> CsvRows(params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.Equal(0, r.ExitCode);
        return ReadCsv(r.Output, out _);
    }

    [Fact]
    public void FailOn_GivesExitCode1_OnlyWhenSuchResetsAreListed()
    {
        Assert.Equal(ExitCodes.FindingsFound, CliRunner.Run("analyze", Sample("refused.pcap"), "--fail-on", "actionable").ExitCode);
        Assert.Equal(ExitCodes.Success, CliRunner.Run("analyze", Sample("refused.pcap"), "--fail-on", "suspicious").ExitCode);
        Assert.Equal(ExitCodes.Success, CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "--fail-on", "actionable").ExitCode);
        // A filter that hides the actionable ones also keeps them from failing the run.
        Assert.Equal(ExitCodes.Success, CliRunner.Run("analyze", Sample("refused.pcap"), "--fail-on", "actionable", "--verdict", "benign").ExitCode);
        Assert.Equal(ExitCodes.UsageError, CliRunner.Run("analyze", Sample("refused.pcap"), "--fail-on", "benign").ExitCode);
    }

    [Fact]
    public void Threads_OneTwoOrThree_GiveTheSameRows_AndOtherCountsAreUsageErrors()
    {
        string[] Rows(string threads) =>
            CliRunner.Run("analyze", Sample("smb-office.pcap"), "--all", "--format", "json", "-q", "--threads", threads).Output.Split('\n');
        string[] three = Rows("3");
        Assert.True(three.Length > 50, $"only {three.Length} rows");
        Assert.Equal(three, Rows("1"));
        Assert.Equal(three, Rows("2"));
        foreach (string bad in new[] { "0", "4", "many" })
        {
            CliResult result = CliRunner.Run("analyze", Sample("refused.pcap"), "--threads", bad);
            Assert.Equal(ExitCodes.UsageError, result.ExitCode);
            Assert.Contains("--threads", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RaceWindow_DecidesWhetherTwoSynsAreARace()
    {
        // The samples' SYNs are 27 and 38 microseconds apart.
        CliResult wide = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "--format", "json", "-q");
        CliResult narrow = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "--format", "json", "-q", "--race-window", "0.01ms");
        Assert.Equal(2, wide.Output.Split('\n').Count(l => l.Contains("\"race.group\"", StringComparison.Ordinal)));
        Assert.DoesNotContain("\"race.group\"", narrow.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, CliRunner.Run("analyze", Sample("refused.pcap"), "--race-window", "soon").ExitCode);
        Assert.Equal(ExitCodes.UsageError, CliRunner.Run("analyze", Sample("refused.pcap"), "--idle-gap", "0s").ExitCode);
    }

    [Fact]
    public void WriteFlagged_WritesAllPacketsOfTheListedConnections()
    {
        string pcap = Scratch("flagged.pcap");
        CliResult r = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "--write-flagged", pcap);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("7 written", Report.Value(r.Output, "Flagged packets"), StringComparison.Ordinal);
        using CaptureFileSource source = CaptureFile.Open(pcap);
        int packets = 0;
        while (source.TryReadNext(out _))
            packets++;
        Assert.Equal(CaptureFormat.Pcap, source.Format);
        // Variant B: SYN, SYN-ACK, ACK, RST; variant A: SYN, SYN-ACK, RST.
        Assert.Equal(7, packets);
    }

    [Fact]
    public void WriteFlagged_FromStandardInput_IsKeptForTheSecondPass()
    {
        string pcap = Scratch("flagged.pcapng");
        var output = new StringWriter();
        var error = new StringWriter();
        var worker = new Commands.AnalyzeWorker(output, error, () => new MemoryStream(File.ReadAllBytes(Sample("refused.pcap"))), Reporting.TerminalInfo.None);
        int code = worker.Run(new Commands.AnalyzeSettings { Inputs = ["-"], WriteFlaggedPath = pcap }, CancellationToken.None);
        Assert.Equal(0, code);
        using CaptureFileSource source = CaptureFile.Open(pcap);
        int packets = 0;
        while (source.TryReadNext(out _))
            packets++;
        Assert.Equal(CaptureFormat.PcapNg, source.Format);
        Assert.Equal(6, packets);
    }

    [Fact]
    public void Interrupted_StillWritesWhatWasAnalysed()
    {
        string csv = Scratch("cut-short.csv");
        var output = new StringWriter();
        var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var settings = new Commands.AnalyzeSettings
        {
            Inputs = [Sample("refused.pcap"), Sample("server-abort.pcap")],
            Output = new Options.OutputSettings { Format = Options.OutputFormat.Csv, OutputPath = csv },
        };
        int code = new Commands.AnalyzeWorker(output, error, terminal: Reporting.TerminalInfo.None).Run(settings, cancelled.Token);
        Assert.Equal(0, code);
        Assert.Contains("interrupted", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("uid,", File.ReadAllText(csv), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial"));
    }

    [Fact]
    public void UnwritableOutputs_AreWriteError15_InOneLine_AndLeaveNothingBehind()
    {
        foreach (string[] args in new[]
        {
            new[] { "-o", Scratch("no-such-dir/out.csv") },
            new[] { "-o", _scratch },
            new[] { "--write-flagged", Scratch("no-such-dir/f.pcap") },
            new[] { "-o", Scratch("same.pcap"), "--write-flagged", Scratch("same.pcap") },
        })
        {
            CliResult r = CliRunner.Run(["analyze", Sample("refused.pcap"), .. args]);
            Assert.Equal(ExitCodes.WriteError, r.ExitCode);
            string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("pcap-reset-inspector: cannot write '", line, StringComparison.Ordinal);
            Assert.DoesNotContain(".partial", line, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFiles(_scratch, "*", SearchOption.AllDirectories));
    }

    [UnprivilegedUnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the attribute skips it there
    public void UnreadableFile_IsOpenError9()
    {
        string file = Scratch("secret.pcap");
        File.Copy(Sample("refused.pcap"), file);
        File.SetUnixFileMode(file, UnixFileMode.None);
        CliResult r = CliRunner.Run("analyze", file);
        Assert.Equal(ExitCodes.OpenError, r.ExitCode);
        Assert.Equal($"pcap-reset-inspector: cannot open '{file}': permission denied\n", r.Error);
    }

    [Fact]
    public void MissingFile_PrintsOnlyTheError()
    {
        CliResult r = CliRunner.Run("analyze", Scratch("nope.pcap"), "-o", Scratch("out.csv"));
        Assert.Equal(ExitCodes.OpenError, r.ExitCode);
        Assert.Equal("", r.Output);
        Assert.False(File.Exists(Scratch("out.csv")));
    }

    [Fact]
    public void Help_ShowsExamples()
    {
        CliResult r = CliRunner.Run("analyze", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Examples:", r.Output, StringComparison.Ordinal);
        Assert.Contains("--write-flagged", r.Output, StringComparison.Ordinal);
        Assert.Contains("--fail-on", r.Output, StringComparison.Ordinal);
    }
}
