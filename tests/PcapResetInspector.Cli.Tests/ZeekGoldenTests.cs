namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// The conn.log written for each sample capture, compared byte for byte with a reviewed copy.
/// After a deliberate change: REGENERATE_GOLDEN=1 dotnet test tests/PcapResetInspector.Cli.Tests
/// </summary>
public class ZeekGoldenTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(RepositoryPaths.Captures, "*.pcap").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void ConnLogOfEveryConnection_MatchesGolden(string sample)
    {
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, sample), "--format", "zeek", "--all");
        Assert.Equal(0, result.ExitCode);
        string golden = Path.Combine(RepositoryPaths.Golden, Path.ChangeExtension(sample, ".conn.log"));
        if (Environment.GetEnvironmentVariable("REGENERATE_GOLDEN") == "1")
            File.WriteAllText(golden, result.Output);
        Assert.Equal(File.ReadAllText(golden), result.Output);
    }

    [Fact]
    public void ConnLog_HasZeekHeaderAndOneRowPerConnection()
    {
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "--format", "zeek", "--all");
        string[] lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.Equal("#separator \\x09", lines[0]);
        Assert.StartsWith("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration", lines[6]);
        Assert.StartsWith("#close\t", lines[^1]);
        string[] rows = lines.Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.All(rows, r => Assert.Equal(21, r.Split('\t').Length));
        Assert.Equal(3, rows.Count(r => r.Split('\t')[11] == "REJ" && r.Split('\t')[15] == "Sr"));
        Assert.Single(rows, r => r.Split('\t')[11] == "SF");
    }

    /// <summary>The log as zeek-cut reads it: the #separator's byte, then #fields names the tab-separated columns of every row.</summary>
    private static (string[] Fields, string[] Types, string[][] Rows) ParseLikeZeekCut(string log)
    {
        string[] lines = log.TrimEnd('\n').Split('\n');
        Assert.Equal("#separator \\x09", lines[0]);
        string[] fields = lines.Single(l => l.StartsWith("#fields\t", StringComparison.Ordinal)).Split('\t')[1..];
        string[] types = lines.Single(l => l.StartsWith("#types\t", StringComparison.Ordinal)).Split('\t')[1..];
        string[][] rows = lines.Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToArray();
        return (fields, types, rows);
    }

    [Fact]
    public void FlaggedConnLog_AddsTheDiagnosisAfterZeeksFields_AsZeekCutReadsThem()
    {
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--format", "zeek");
        (string[] fields, string[] types, string[][] rows) = ParseLikeZeekCut(result.Output);
        Assert.Equal(fields.Length, types.Length);
        Assert.Equal(Core.Export.ZeekConnLogWriter.Fields, fields[..21]); // Zeek's own first, in Zeek's order
        Assert.Equal(["reset_by", "reset_by_role", "reset_ts", "reset_stage", "reset_cause", "reset_verdict", "reset_confidence", "reset_evidence"],
            fields[21..29]);
        Assert.Equal("time", types[Array.IndexOf(fields, "reset_ts")]);
        Assert.Equal("count", types[Array.IndexOf(fields, "race_group")]);
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.Equal(fields.Length, row.Length));
        Assert.All(rows, row =>
        {
            Assert.Equal("orig", row[Array.IndexOf(fields, "reset_by")]);
            Assert.Equal("client", row[Array.IndexOf(fields, "reset_by_role")]);
            Assert.Equal("smb-race-loser", row[Array.IndexOf(fields, "reset_cause")]);
            Assert.Matches(@"^\d+\.\d{6}$", row[Array.IndexOf(fields, "reset_ts")]);
            Assert.StartsWith("1:", row[Array.IndexOf(fields, "community_id")], StringComparison.Ordinal);
            Assert.Equal("-", row[Array.IndexOf(fields, "finding")]);
        });
    }

    [Fact]
    public void ConnLogOfEveryConnection_KeepsExactlyZeeksFields()
    {
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--format", "zeek", "--all");
        (string[] fields, string[] types, string[][] rows) = ParseLikeZeekCut(result.Output);
        Assert.Equal(Core.Export.ZeekConnLogWriter.Fields, fields);
        Assert.Equal(Core.Export.ZeekConnLogWriter.Types, types);
        Assert.All(rows, row => Assert.Equal(fields.Length, row.Length));
    }

    [Fact]
    public void WithoutAll_OnlyConnectionsThatSawARstAreWritten()
    {
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--format", "zeek");
        string[] rows = result.Output.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.Contains(rows, r => r.Contains("\tShAR\t", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("\tShR\t", StringComparison.Ordinal));
        Assert.StartsWith("4, of which 2 saw a RST", Report.Value(result.Error, "Connections"), StringComparison.Ordinal);
    }
}
