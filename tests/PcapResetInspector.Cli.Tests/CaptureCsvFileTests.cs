using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// Issue 17, item 5: `capture --csv FILE` appends to a CSV it wrote before, puts the header on disk as the
/// capture starts (before any row), and refuses a file that starts with anything else.
/// </summary>
public sealed class CaptureCsvFileTests : IDisposable
{
    private static readonly string Header = CaptureCsvFile.HeaderLine + "\r\n";
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-csv-").FullName;
    private readonly List<IDisposable> _files = [];

    public void Dispose()
    {
        Close();
        Directory.Delete(_scratch, recursive: true);
    }

    private void Close()
    {
        for (int i = _files.Count - 1; i >= 0; i--)
            _files[i].Dispose();
        _files.Clear();
    }

    /// <summary>Reads the file while the capture still holds it open, as another process would.</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private int Open(string path, StringWriter error, out CsvConnectionWriter? exporter) => CaptureCsvFile.Open(path, error, _files, out exporter, out _);

    [Fact]
    public void TheHeaderIsOnDisk_BeforeAnyRow_SoAKilledCaptureLeavesAValidCsv()
    {
        string path = Path.Combine(_scratch, "new.csv");
        Assert.Equal(0, Open(path, new StringWriter(), out CsvConnectionWriter? exporter));
        Assert.NotNull(exporter);
        Assert.Equal(Header, ReadShared(path)); // still open: nothing has been disposed or flushed by a row
        Assert.StartsWith("uid,start_time,start_epoch,", Header, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFile_GetsTheHeader()
    {
        string path = Path.Combine(_scratch, "empty.csv");
        File.WriteAllText(path, "");
        Assert.Equal(0, Open(path, new StringWriter(), out _));
        Assert.Equal(Header, ReadShared(path));
    }

    [Fact]
    public void AnExistingCsv_IsKept_AndAppendedTo_WithTheHeaderOnce()
    {
        // A CSV this tool wrote, with real rows.
        string path = Path.Combine(_scratch, "flagged.csv");
        CliResult analyzed = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "-o", path, "-q");
        Assert.True(analyzed.ExitCode == 0, analyzed.Error);
        string before = File.ReadAllText(path);
        Assert.True(before.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length > 1, "the sample should give at least one row");

        Assert.Equal(0, Open(path, new StringWriter(), out _));
        Assert.Equal(before, ReadShared(path));
        // What is written next goes after the existing rows.
        TextWriter writer = _files.OfType<TextWriter>().Single();
        writer.Write("next-row\r\n");
        Close();

        string after = File.ReadAllText(path);
        Assert.Equal(before + "next-row\r\n", after);
        Assert.Equal(1, after.Split("\r\n").Count(line => line == CaptureCsvFile.HeaderLine));
    }

    [Fact]
    public void ARowCutShortByAKilledCapture_IsEndedBeforeTheNextOne()
    {
        string path = Path.Combine(_scratch, "cut.csv");
        File.WriteAllText(path, Header + "Cabc,2024-01-01T00:");
        Assert.Equal(0, Open(path, new StringWriter(), out _));
        _files.OfType<TextWriter>().Single().Write("next-row\r\n");
        Close();
        Assert.Equal(Header + "Cabc,2024-01-01T00:\r\nnext-row\r\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("name,address\r\nbob,1 Main St\r\n")]
    [InlineData("uid,start_time,start_epoch\r\nCabc,x,1\r\n")] // an older, shorter header: the columns would not line up
    [InlineData("\uFEFFuid,start_time\r\n")]
    public void AForeignFile_IsRefused_AsAUsageError_AndLeftAlone(string content)
    {
        string path = Path.Combine(_scratch, "other.csv");
        File.WriteAllText(path, content);
        var error = new StringWriter { NewLine = "\n" };

        Assert.Equal(ExitCodes.UsageError, Open(path, error, out CsvConnectionWriter? exporter));

        Assert.Null(exporter);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(content), File.ReadAllBytes(path)); // bytes: ReadAllText would drop a BOM
        string message = error.ToString();
        Assert.Single(message.TrimEnd('\n').Split('\n'));
        Assert.Contains(path, message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCaptureCommand_RefusesAForeignCsv_BeforeOpeningTheInterface()
    {
        string path = Path.Combine(_scratch, "other.csv");
        File.WriteAllText(path, "name,address\r\n");
        CliResult r = CliRunner.Run("capture", "-i", "no-such-interface0", "-c", "1", "--csv", path);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("other.csv", r.Error, StringComparison.Ordinal);
        Assert.Equal("name,address\r\n", File.ReadAllText(path));
    }
}
