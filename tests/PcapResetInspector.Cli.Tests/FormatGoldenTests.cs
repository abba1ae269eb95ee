using System.Text.RegularExpressions;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// Every output format for every sample capture, compared byte for byte with a reviewed copy in
/// Golden/ (the table with its run time masked). After a deliberate change:
/// REGENERATE_GOLDEN=1 dotnet test tests/PcapResetInspector.Cli.Tests
/// </summary>
public partial class FormatGoldenTests
{
    public static TheoryData<string, string> SamplesAndFormats()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(RepositoryPaths.Captures, "*.pcap").Order(StringComparer.Ordinal))
        {
            foreach (string format in new[] { "table", "csv", "json" })
                data.Add(Path.GetFileName(file), format);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SamplesAndFormats))]
    public void EveryFormat_MatchesGolden(string sample, string format)
    {
        // --all so that the clean connections' rows are checked too; the table then lists them under "Other connections".
        CliResult result = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, sample), "--format", format, "--all", "-q");
        Assert.Equal(0, result.ExitCode);
        string actual = format == "table" ? RunTime().Replace(result.Output, "in - s") : result.Output;
        string golden = Path.Combine(RepositoryPaths.Golden, Path.ChangeExtension(sample, "." + format + (format == "table" ? ".txt" : "")));
        if (Environment.GetEnvironmentVariable("REGENERATE_GOLDEN") == "1")
            File.WriteAllText(golden, actual);
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [GeneratedRegex(@"in [0-9]+\.[0-9]+ s")]
    private static partial Regex RunTime();
}
