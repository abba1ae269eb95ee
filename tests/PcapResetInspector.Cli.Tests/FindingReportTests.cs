using PcapResetInspector.Core.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>What the report says about host-level findings and about connections flagged without a RST.</summary>
public sealed class FindingReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finding-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, CaptureGeneratorOptions options)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, CaptureGenerator.Generate(options));
        return path;
    }

    [Fact]
    public void AnUnansweredSpoofedFlood_IsNamedOnce_AndTripsFailOnSuspicious()
    {
        string capture = Write("spoofed.pcap", new CaptureGeneratorOptions { Profile = CaptureProfile.SpoofedSynFlood, MaxConnections = 3_000 });
        CliResult result = CliRunner.Run("analyze", capture, "--fail-on", "suspicious");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Host-level findings (suspicious 1)", result.Output);
        Assert.Contains("  F1  SYN flood aimed at 203.0.113.20 port 443: 3,000 SYNs from about ", result.Output);
        Assert.Contains("No resets: no connection was reset (3,000 connections, 3,000 TCP segments analysed) (the host-level findings above need no RST to be seen).", result.Output);
        Assert.Equal(0, CliRunner.Run("analyze", capture).ExitCode); // findings alone change the exit code only with --fail-on
    }

    [Fact]
    public void ReflectionMembers_AreCountedUnderTheFinding_NotListed_AndCarryItsIdInCsv()
    {
        string capture = Write("reflection.pcap", new CaptureGeneratorOptions { Profile = CaptureProfile.Reflection, MaxConnections = 1_000 });
        CliResult report = CliRunner.Run("analyze", capture);
        Assert.Contains("  F1  SYN-ACK reflection aimed at 203.0.113.80: ", report.Output);
        Assert.Contains("flagged connection(s) belong to the host-level findings above and are counted there, not listed below", report.Output);
        Assert.DoesNotContain("syn-ack-reflection  C", report.Output);

        string csv = Path.Combine(_directory, "flagged.csv");
        Assert.Equal(0, CliRunner.Run("analyze", capture, "-q", "-o", csv).ExitCode);
        string[] rows = File.ReadAllLines(csv);
        int finding = Array.IndexOf(rows[0].Split(','), "finding");
        Assert.True(finding > 0);
        Assert.Contains(rows.Skip(1), row => row.Contains(",syn-ack-reflection,suspicious,", StringComparison.Ordinal) && row.Split(',')[finding] == "F1");
    }

    [Fact]
    public void RaceProbesClosedWithFin_AreSaidToHaveNoRst_AndSambaWouldLogNothing()
    {
        string capture = Write("three.pcap", new CaptureGeneratorOptions { Scenario = "smb-three-member-race", MaxConnections = 3 });
        CliResult result = CliRunner.Run("analyze", capture);
        Assert.Matches(@"Flagged 2 \(benign 2\); 1 race group\(s\); 2 of them saw no RST \(race probes closed with FIN or never answered\)", result.Output);
        Assert.Contains("Samba: nothing here would make smbd log \"Connection reset by peer\"", result.Output);
    }
}
