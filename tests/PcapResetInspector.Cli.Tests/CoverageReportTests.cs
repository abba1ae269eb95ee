using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// The report's first lines say how much was analysed and why the rest was not; it never says "no resets" about packets
/// it could not read, and --fail-on then fails with its own exit code instead of passing.
/// </summary>
public sealed class CoverageReportTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-coverage-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>A capture whose link type the decoder does not know (LINKTYPE_USER0), holding what would otherwise be a refused connect.</summary>
    private string UnknownLinkTypeCapture()
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Raw);
        builder.Tcp("10.0.0.1", 50_000, "10.0.0.2", 445).Syn().RefuseWithRst();
        string path = Path.Combine(_scratch, "user0.pcap");
        using (var file = File.Create(path))
        using (var writer = new PcapWriter(file, linkType: 147))
        {
            foreach (BuiltFrame frame in builder.Frames)
                writer.WritePacket(frame.TimestampNanos, frame.Data, frame.Data.Length);
        }
        return path;
    }

    [Fact]
    public void UnknownLinkType_IsNamed_AndTheReportSaysNothingWasAnalysed_NotNoResets()
    {
        CliResult r = CliRunner.Run("analyze", UnknownLinkTypeCapture());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("0 of 2 packets (0%) analysed as TCP", Report.Value(r.Output, "Analysed"));
        Assert.Equal("2 (unsupported link type LINKTYPE_147 2)", Report.Value(r.Output, "Not analysed"));
        Assert.Contains("Nothing analysed: none of the 2 packets held TCP this tool could decode (unsupported link type LINKTYPE_147 2)", r.Output);
        Assert.DoesNotContain("No resets", r.Output);
    }

    [Fact]
    public void FailOn_WithNothingAnalysed_FailsWithItsOwnCode_AndOneLine()
    {
        CliResult r = CliRunner.Run("analyze", UnknownLinkTypeCapture(), "--fail-on", "actionable");
        Assert.Equal(65, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pcap-reset-inspector: nothing analysed: none of the 2 packets held TCP", line);
        Assert.EndsWith("--fail-on has no verdict to give", line);
    }

    [Fact]
    public void FailOn_OnAnEmptyCapture_SaysItHoldsNoPackets()
    {
        string path = Path.Combine(_scratch, "empty.pcap");
        File.WriteAllBytes(path, new TrafficBuilder().ToPcapBytes());
        CliResult r = CliRunner.Run("analyze", path, "--fail-on", "suspicious");
        Assert.Equal(65, r.ExitCode);
        Assert.Contains("nothing analysed: the input holds no packets", r.Error);
    }

    [Fact]
    public void FailOn_WithTcpAnalysedAndNoResets_StillPasses()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "normal-session.pcap"), "--fail-on", "actionable");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("No resets: no connection was reset (", r.Output.Split('\n').Single(l => l.StartsWith("No resets", StringComparison.Ordinal)));
        Assert.EndsWith("analysed as TCP", Report.Value(r.Output, "Analysed"));
    }
}
