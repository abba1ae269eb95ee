using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>What `capture` and `interfaces` check before libpcap is involved, and the pieces they share with `analyze`.</summary>
public sealed class CaptureOptionTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("2s", 2)]
    [InlineData("1.5s", 1.5)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("30", 30)]
    public void Durations_ReadAsPeopleTypeThem(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan value));
        Assert.Equal(seconds, value.TotalSeconds, precision: 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5 minutes")]
    [InlineData("ms")]
    public void BadDurations_AreRejected(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData("duration:60", 60.0, null)]
    [InlineData("duration:2m", 120.0, null)]
    [InlineData("packets:1000", null, 1000L)]
    public void Autostop_TakesTsharksConditions(string text, double? seconds, long? packets)
    {
        Assert.True(CaptureCommand.TryParseAutostop(text, out TimeSpan? duration, out long? count));
        Assert.Equal(seconds, duration?.TotalSeconds);
        Assert.Equal(packets, count);
    }

    [Theory]
    [InlineData("duration")]
    [InlineData("duration:0")]
    [InlineData("packets:-1")]
    [InlineData("filesize:100")]
    public void Autostop_RejectsWhatItDoesNotKnow(string text) => Assert.False(CaptureCommand.TryParseAutostop(text, out _, out _));

    [Theory]
    [InlineData(new[] { "capture", "-i", "lo", "-f", "tcp", "port", "80" }, "not both")]
    [InlineData(new[] { "capture", "-i", "lo", "-c", "0" }, "--count")]
    [InlineData(new[] { "capture", "-i", "lo", "-a", "files:3" }, "autostop")]
    [InlineData(new[] { "capture", "-i", "lo", "--duration", "forever" }, "Invalid duration")]
    [InlineData(new[] { "capture", "-i", "lo", "--snaplen", "10" }, "--snaplen")]
    [InlineData(new[] { "capture", "-i", "lo", "--report-every", "often" }, "--report-every")]
    [InlineData(new[] { "capture", "-c", "5" }, "--interface")]
    [InlineData(new[] { "analyze", "x.pcap", "--max-connections", "-1" }, "--max-connections")]
    [InlineData(new[] { "analyze", "x.pcap", "--top", "-1" }, "--top takes a number")]
    // Words where numbers go: asking System.CommandLine for such a value inside a validator threw (exit 134, a stack trace).
    [InlineData(new[] { "analyze", "x.pcap", "--top", "many" }, "--top takes a number")]
    [InlineData(new[] { "analyze", "x.pcap", "--max-connections", "lots" }, "--max-connections")]
    [InlineData(new[] { "analyze", "x.pcap", "--threads", "all" }, "--threads")]
    [InlineData(new[] { "capture", "-i", "lo", "-c", "ten" }, "--count")]
    [InlineData(new[] { "capture", "-i", "lo", "--ring-size", "big" }, "--ring-size")]
    [InlineData(new[] { "capture", "-i", "lo", "-s", "full" }, "--snaplen")]
    [InlineData(new[] { "capture", "-i", "lo", "-B", "0" }, "--buffer-size")]
    [InlineData(new[] { "analyze", "x.pcap", "--top", "5", "--list", "all" }, "give one of them")]
    [InlineData(new[] { "capture", "-i", "lo", "--list", "all", "--top", "5" }, "give one of them")]
    [InlineData(new[] { "capture", "-i", "lo", "--list", "everything" }, "'everything'")]
    public void InvalidOptions_AreUsageError64_BeforeAnythingOpens(string[] args, string mentioned)
    {
        CliResult r = CliRunner.Run(args);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains(mentioned, r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-D" }, "interfaces")]
    [InlineData(new[] { "-i", "eth0", "port", "445" }, "capture")]
    [InlineData(new[] { "--interface", "eth0" }, "capture")]
    [InlineData(new[] { "-r", "x.pcap" }, "analyze")]
    [InlineData(new[] { "x.pcap", "-f", "host 10.0.0.1" }, "analyze")]
    [InlineData(new[] { "capture", "-i", "lo" }, "capture")]
    public void NoCommand_MeansWhatTcpdumpUsersMean(string[] args, string command)
    {
        string[] routed = CliApplication.WithDefaultCommand(CliApplication.BuildRootCommand(TextWriter.Null, TextWriter.Null), args);
        Assert.Equal(command, routed[0]);
    }

    [NeedsLibPcapFact]
    public void Interfaces_ListTheLoopbackAsTcpdumpDoes()
    {
        CliResult r = CliRunner.Run("-D");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"(?m)^\d+\.lo(\s.*)? \[Loopback, Up", r.Output);
        Assert.Contains("    127.0.0.1/8", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LiveStatus_OffATerminal_PrintsASummaryEveryPeriodOnly()
    {
        var error = new StringWriter { NewLine = "\n" };
        var status = new LiveStatus(error, isTerminal: false, reportEvery: TimeSpan.FromSeconds(30));
        var resets = new ResetStatistics();
        status.Update(TimeSpan.FromSeconds(10), 100, 3, resets, dropped: 0);
        Assert.Equal("", error.ToString());
        status.Update(TimeSpan.FromSeconds(31), 12_345, 7, resets, dropped: 2);
        status.Update(TimeSpan.FromSeconds(40), 20_000, 7, resets, dropped: 2);
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("pcap-reset-inspector: 00:00:31  12,345 packets, 7 connections open, resets: 0 benign, 0 actionable, 0 suspicious; 2 dropped", line);
    }

    [Fact]
    public void LiveStatus_OnATerminal_RedrawsOneLine_AndWipesIt()
    {
        var error = new StringWriter();
        var status = new LiveStatus(error, isTerminal: true, reportEvery: null);
        status.Update(TimeSpan.FromSeconds(1), 5, 1, new ResetStatistics(), dropped: null);
        status.Clear();
        Assert.Equal("\r00:00:01  5 packets, 1 connections open, resets: 0 benign, 0 actionable, 0 suspicious; ? dropped\u001b[K\r\u001b[K", error.ToString());
    }

    [Fact]
    public void ProgressLine_ShowsTheShareReadOfTheKnownTotal()
    {
        string file = Path.Combine(RepositoryPaths.Captures, "refused.pcap");
        var error = new StringWriter();
        using (ProgressLine progress = ProgressLine.StartIf(true, error, [file, file])!)
        {
            using FileStream stream = File.OpenRead(file);
            progress.Begin(file, stream);
            stream.Seek(stream.Length, SeekOrigin.Begin);
            progress.Draw();
            Assert.Contains("[############------------]  50%", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("refused.pcap", error.ToString(), StringComparison.Ordinal);
            progress.End();
        }
        Assert.EndsWith("\r\u001b[K", error.ToString(), StringComparison.Ordinal);
        Assert.Null(ProgressLine.StartIf(false, error, [file]));
    }

    [Fact]
    public void MaxConnections_IsPassedToTheFlowTable_AndEvictionsAreReported()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--max-connections", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d+ connection\(s\) pushed out by the connection-table cap", Report.Value(r.Output, "Evicted"));

        CliResult uncapped = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"), "--max-connections", "0");
        Assert.DoesNotContain("Evicted:", uncapped.Output, StringComparison.Ordinal);
    }
}
