using System.Globalization;
using System.IO.Pipes;
using CsvHelper;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>`--format parquet`: the CSV's rows and columns, typed, read back by DuckDB.</summary>
public sealed class ParquetExportTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-parquet-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string Scratch(string name) => Path.Combine(_scratch, name);

    /// <summary>The types the README documents, as DuckDB's DESCRIBE names them.</summary>
    private static string ExpectedType(string column) => column switch
    {
        "start_time" or "reset_time" => "TIMESTAMP WITH TIME ZONE",
        "start_epoch" or "duration" => "DOUBLE",
        "client_port" or "server_port" or "orig_port" or "resp_port" or "race_group" => "INTEGER",
        "orig_pkts" or "orig_bytes" or "orig_ip_bytes" or "resp_pkts" or "resp_bytes" or "resp_ip_bytes" or "missed_bytes" => "BIGINT",
        _ => "VARCHAR",
    };

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(RepositoryPaths.Captures, "*.pcap").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        data.Add("generated-mixed");
        return data;
    }

    private string CapturePath(string name)
    {
        if (name != "generated-mixed")
            return Path.Combine(RepositoryPaths.Captures, name);
        // Every scenario of the mixed profile: IPv6, VLANs, races, injected resets, findings, tunnels.
        string path = Scratch("mixed.pcap");
        File.WriteAllBytes(path, CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 5, MaxConnections = 4_000 }));
        return path;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Parquet_HasTheCsvsRowsAndColumns_FieldByField(string capture)
    {
        string input = CapturePath(capture);
        string csv = Scratch("all.csv"), parquet = Scratch("all.parquet");
        Assert.Equal(0, CliRunner.Run("analyze", input, "--all", "-q", "--format", "csv", "-o", csv).ExitCode);
        CliResult result = CliRunner.Run("analyze", input, "--all", "-q", "--format", "parquet", "-o", parquet);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);

        (string[] header, List<string[]> expected) = ReadCsv(csv);
        DuckDb.Table actual = DuckDb.Query($"SELECT * FROM read_parquet({DuckDb.Literal(parquet)})");
        Assert.Equal(CsvConnectionWriter.Columns, header);
        Assert.Equal(header, actual.Columns);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, actual.Rows.Count);
        for (int row = 0; row < expected.Count; row++)
        {
            for (int column = 0; column < header.Length; column++)
                AssertSameField(header[column], row, expected[row][column], actual.Rows[row][column]);
        }
    }

    [Fact]
    public void Describe_ShowsTheDocumentedTypes()
    {
        string parquet = Scratch("types.parquet");
        Assert.Equal(0, CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--all", "-q", "-o", parquet).ExitCode);

        DuckDb.Table describe = DuckDb.Query($"DESCRIBE SELECT * FROM read_parquet({DuckDb.Literal(parquet)})");
        var types = describe.Rows.ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal(CsvConnectionWriter.Columns, describe.Rows.Select(r => (string)r[0]!));
        foreach (string column in CsvConnectionWriter.Columns)
            Assert.True(ExpectedType(column) == types[column], $"{column}: {types[column]}, documented {ExpectedType(column)}");
        // UTC instants, not wall-clock times: the same value whatever the reader's zone.
        DuckDb.Table utc = DuckDb.Query($"SET TimeZone = 'Asia/Tokyo'; SELECT strftime(start_time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') FROM read_parquet({DuckDb.Literal(parquet)}) ORDER BY start_time LIMIT 1");
        Assert.Equal("2024-05-14T09:30:12.104221Z", utc.Rows[0][0]);
    }

    [Fact]
    public void ManyRows_GoInSeveralBoundedRowGroups()
    {
        // One SYN per connection from a forged source: 110,000 connections in a few MB.
        string input = Scratch("flood.pcap");
        File.WriteAllBytes(input, CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = CaptureProfile.SpoofedSynFlood, Seed = 7, MaxConnections = 110_000 }));
        string parquet = Scratch("flood.parquet");
        CliResult result = CliRunner.Run("analyze", input, "--all", "--max-connections", "0", "-o", parquet);
        Assert.Equal(0, result.ExitCode);

        long rows = (long)DuckDb.Query($"SELECT count(*) FROM read_parquet({DuckDb.Literal(parquet)})").Rows[0][0]!;
        Assert.Equal(110_000, rows);
        Assert.Matches(@"Connections:\s+110,000,", result.Output);
        object?[] groups = DuckDb.Query($"SELECT count(DISTINCT row_group_id), max(row_group_num_rows), sum(DISTINCT row_group_num_rows) FROM parquet_metadata({DuckDb.Literal(parquet)})").Rows[0];
        Assert.True((long)groups[0]! > 1, $"{groups[0]} row group(s)");
        Assert.True((long)groups[1]! <= ParquetConnectionWriter.DefaultRowGroupSize, $"a row group of {groups[1]} rows");
    }

    [Fact]
    public void TheExtension_PicksParquet()
    {
        string parquet = Scratch("flagged.parquet");
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "-o", parquet);
        Assert.Equal(0, result.ExitCode);
        // The summary goes to standard output beside a file, as for the text exports.
        Assert.Contains("Packets:", result.Output, StringComparison.Ordinal);
        Assert.Equal("refused", DuckDb.Query($"SELECT DISTINCT cause FROM read_parquet({DuckDb.Literal(parquet)})").Rows.Single()[0]);
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("capture")]
    public void ParquetToStandardOutput_IsAUsageError(string command)
    {
        string[] input = command == "analyze" ? [Path.Combine(RepositoryPaths.Captures, "refused.pcap")] : ["-i", "lo"];
        foreach (string[] output in new[] { Array.Empty<string>(), ["-o", "-"] })
        {
            CliResult result = CliRunner.Run([command, .. input, "--format", "parquet", .. output]);
            Assert.Equal(ExitCodes.UsageError, result.ExitCode);
            Assert.Contains("--format parquet writes a binary file: name it with -o FILE", result.Error, StringComparison.Ordinal);
            Assert.Equal("", result.Output);
        }
    }

    [Fact]
    public async Task AnInterruptedRun_StillLeavesAValidFile()
    {
        // Half a capture on standard input, which then stays open and idle; the token is what Ctrl+C cancels.
        byte[] capture = CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 9, MaxBytes = 4 << 20 });
        string parquet = Scratch("cut.parquet");
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var output = new StringWriter();
        var error = new StringWriter();
        var settings = new AnalyzeSettings
        {
            Inputs = ["-"],
            Output = new OutputSettings { Format = OutputFormat.Parquet, OutputPath = parquet, Selection = new ConnectionSelection { All = true } },
        };
        using var cancel = new CancellationTokenSource();
        Task<int> run = Task.Run(() => new AnalyzeWorker(output, error, () => client).Run(settings, cancel.Token));
        await pipe.WriteAsync(capture.AsMemory(0, capture.Length / 2));
        await pipe.FlushAsync();
        await Task.Delay(300);
        cancel.Cancel();
        bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run;
        pipe.Dispose();
        Assert.True(finished, "the run did not stop");
        Assert.Equal(0, await run);
        Assert.Contains("interrupted", error.ToString(), StringComparison.Ordinal);

        // Every connection of what was read, in a file that DuckDB opens: the last row group and the footer were written.
        long rows = (long)DuckDb.Query($"SELECT count(*) FROM read_parquet({DuckDb.Literal(parquet)})").Rows[0][0]!;
        Assert.True(rows > 0, "no rows");
        Assert.Matches($@"Connections:\s+{rows:N0},", output.ToString());
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial"));
    }

    [Fact]
    public void DisposedWithoutComplete_TheWriterStillEndsTheFile_InGroupsOfTheSizeAsked()
    {
        // A run that stops without completing its exports (an exception on the way out) still leaves whole groups and a footer.
        string parquet = Scratch("disposed.parquet");
        string csvPath = Scratch("disposed.csv");
        var parquetWriter = new ParquetConnectionWriter(File.Create(parquet), rowGroupSize: 5);
        using (var csvWriter = new CsvConnectionWriter(File.CreateText(csvPath)))
        {
            var pipeline = new Core.Analysis.AnalysisPipeline(new Core.Analysis.AnalysisPipelineOptions
            {
                Selection = new ConnectionSelection { All = true },
                Exporters = [parquetWriter, csvWriter],
            });
            pipeline.Run(Core.Capture.CaptureFile.Open(File.OpenRead(Path.Combine(RepositoryPaths.Captures, "smb-office.pcap")), "smb-office.pcap"));
            pipeline.EndOfInput(); // every row settled, but no Complete
        }
        long written = parquetWriter.RowsWritten;
        parquetWriter.Dispose();

        (_, List<string[]> csv) = ReadCsv(csvPath);
        Assert.Equal(csv.Count, written);
        Assert.True(written % 5 != 0, "the last group should be a short one");
        object?[] groups = DuckDb.Query($"SELECT count(DISTINCT row_group_id), max(row_group_num_rows), min(row_group_num_rows) FROM parquet_metadata({DuckDb.Literal(parquet)})").Rows[0];
        Assert.Equal((written + 4) / 5, (long)groups[0]!);
        Assert.Equal(5L, groups[1]);
        Assert.Equal(written % 5, (long)groups[2]!);
        List<object?[]> uids = DuckDb.Query($"SELECT uid FROM read_parquet({DuckDb.Literal(parquet)})").Rows;
        Assert.Equal(csv.Select(row => row[0]), uids.Select(row => (string)row[0]!));
    }

    private static void AssertSameField(string column, int row, string csv, object? parquet)
    {
        string where = $"row {row}, {column}";
        switch (parquet)
        {
            case null:
                Assert.True(csv == "", $"{where}: null in Parquet, '{csv}' in the CSV");
                break;
            case DateTime time:
                Assert.True(time.Kind != DateTimeKind.Local, $"{where}: a local time");
                Assert.Equal(csv, time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset time:
                Assert.Equal(csv, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case double seconds:
                // The CSV's six decimals parse to the very same double.
                Assert.True(double.Parse(csv, CultureInfo.InvariantCulture) == seconds, $"{where}: {seconds:R} in Parquet, {csv} in the CSV");
                break;
            case int or long:
                Assert.Equal(csv, Convert.ToString(parquet, CultureInfo.InvariantCulture));
                break;
            case string text:
                Assert.NotEqual("", text); // empty is null
                // The CSV guards text a spreadsheet would run as a formula with an apostrophe; Parquet keeps it as it is.
                string expected = csv.StartsWith('\'') && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? csv[1..] : csv;
                Assert.True(expected == text, $"{where}: '{text}' in Parquet, '{csv}' in the CSV");
                break;
            default:
                Assert.Fail($"{where}: unexpected {parquet.GetType()}");
                break;
        }
    }

    /// <summary>The CSV through CsvHelper, not through this project's code.</summary>
    private static (string[] Header, List<string[]> Rows) ReadCsv(string path)
    {
        using CsvReader csv = CsvReader.FromText(File.ReadAllText(path));
        var rows = new List<string[]>();
        string[]? header = null;
        while (csv.Read())
        {
            header ??= csv.Headers.ToArray();
            Assert.Equal(header.Length, csv.FieldCount);
            rows.Add(header.Select(h => csv.GetString(h)).ToArray());
        }
        return (header ?? csv.Headers.ToArray(), rows);
    }
}
