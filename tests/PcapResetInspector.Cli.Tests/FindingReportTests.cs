using PcapResetInspector.Testing.Synthesis;

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

    /// <summary>Scanner .66 probes 10 ports four times a minute apart (four findings), then scanner .77 probes 12 ports once.</summary>
    private string TwoScanners()
    {
        var b = new TrafficBuilder();
        ushort port = 1000;
        for (int burst = 0; burst < 4; burst++)
        {
            for (int i = 0; i < 10; i++, port++)
                b.Tcp("203.0.113.66", (ushort)(40000 + port), "10.0.0.5", port).Syn().RefuseWithRst();
            b.Advance(TimeSpan.FromMinutes(1));
        }
        for (int i = 0; i < 12; i++, port++)
            b.Tcp("203.0.113.77", (ushort)(40000 + port), "10.0.0.5", port).Syn().RefuseWithRst();
        string path = Path.Combine(_directory, "two-scanners.pcap");
        File.WriteAllBytes(path, b.ToPcapBytes());
        return path;
    }

    private static List<string> FindingLines(string report) =>
        report.Split('\n').SkipWhile(l => !l.StartsWith("Host-level findings", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length > 0).ToList();

    [Fact]
    public void FindingsOfOneKindAndHost_AreOneLineWithTheirTotals_AndTheFirstEpisodes()
    {
        string capture = TwoScanners();
        CliResult r = CliRunner.Run("analyze", capture);
        Assert.Contains("Host-level findings (suspicious 5) in 2 groups of the same kind and host", r.Output);
        List<string> lines = FindingLines(r.Output);
        Assert.Matches(@"^  port scan from 203\.0\.113\.66: 4 episodes, 40 probes; \S+ to \S+$", lines[0]);
        Assert.StartsWith("    F1  port scan from 203.0.113.66: 10 probes to 10 ports", lines[1]);
        Assert.StartsWith("    F2  port scan from 203.0.113.66: 10 probes to 10 ports", lines[2]);
        Assert.StartsWith("    F3  port scan from 203.0.113.66: 10 probes to 10 ports", lines[3]);
        Assert.Equal("    ... and 1 more episode (--list all shows every one)", lines[4]);
        Assert.StartsWith("  F5  port scan from 203.0.113.77: 12 probes to 12 ports", lines[5]);
        Assert.Equal(6, lines.Count);

        // Every episode with --list all; the group's time range runs from the first one's start to the last one's end.
        List<string> all = FindingLines(CliRunner.Run("analyze", capture, "--list", "all").Output);
        Assert.Equal(lines[0], all[0]);
        Assert.Equal(["F1", "F2", "F3", "F4"], all.Skip(1).Take(4).Select(l => l.Trim().Split("  ")[0]));
        Assert.StartsWith("  F5  ", all[5]);
        string[] range = lines[0][(lines[0].IndexOf("; ", StringComparison.Ordinal) + 2)..].Split(" to ");
        Assert.Contains("; " + range[0] + " to ", all[1]);
        Assert.EndsWith(range[1], all[4]);
    }

    [Fact]
    public void Top_LimitsTheGroupsOfFindings_AndSaysHowMany_WereLeftOut()
    {
        CliResult r = CliRunner.Run("analyze", TwoScanners(), "--top", "1");
        List<string> lines = FindingLines(r.Output);
        Assert.StartsWith("  port scan from 203.0.113.66: 4 episodes", lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains("203.0.113.77", StringComparison.Ordinal));
        Assert.Equal("  Not shown: 1 more group with 1 finding; show them with --top 2, or every finding with --list all", lines[^1]);
    }
}
