using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// The default report: flagged connections grouped by cause, verdict and server port, the top N groups
/// most serious first, findings grouped by kind and host, --list all for every one, and the key line last.
/// </summary>
public sealed class GroupedReportTests : IDisposable
{
    private const string GroupsTitle = "Flagged connections by cause, verdict and server";
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-groups-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>
    /// Four groups: 5 refused connects to 10.0.0.2:445 and 2 to 10.0.0.2:139 (actionable), 4 server
    /// aborts on 10.0.0.3:8000 (benign), one forged RST on 10.0.0.4:8000 (suspicious). A second apart,
    /// so that nothing adds up to a scan.
    /// </summary>
    private string FourGroups()
    {
        var b = new TrafficBuilder();
        ushort clientPort = 50_000;
        for (int i = 0; i < 5; i++, clientPort++)
            b.Tcp("10.0.0.1", clientPort, "10.0.0.2", 445).Syn().RefuseWithRst().Wait(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 4; i++, clientPort++)
            RequestResponse(b, clientPort, "10.0.0.3").Rst(Side.Server, withAck: true).Wait(TimeSpan.FromSeconds(1));
        RequestResponse(b, clientPort++, "10.0.0.4").Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 47, ipId: 0x0BAD)
            .Data(Side.Server, 500).Ack(Side.Client).Wait(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 2; i++, clientPort++)
            b.Tcp("10.0.0.1", clientPort, "10.0.0.2", 139).Syn().RefuseWithRst().Wait(TimeSpan.FromSeconds(1));
        return Write("four-groups.pcap", b);
    }

    private static TcpConversation RequestResponse(TrafficBuilder b, ushort clientPort, string server) =>
        b.Tcp("10.0.0.1", clientPort, server, 8000).Handshake()
            .Data(Side.Client, 100).Ack(Side.Server)
            .Data(Side.Server, 1200).Ack(Side.Client);

    private string Refused(int connections)
    {
        var b = new TrafficBuilder();
        for (int i = 0; i < connections; i++)
            b.Tcp("10.0.0.1", (ushort)(50_000 + i), "10.0.0.2", 445).Syn().RefuseWithRst().Wait(TimeSpan.FromSeconds(1));
        return Write($"refused-{connections}.pcap", b);
    }

    private string Write(string name, TrafficBuilder builder)
    {
        string path = Path.Combine(_scratch, name);
        File.WriteAllBytes(path, builder.ToPcapBytes());
        return path;
    }

    /// <summary>The flagged rows of the CSV export (uid, server port, start), to check the report against.</summary>
    private List<(string Uid, string Server, string Cause)> CsvRows(string capture)
    {
        string csv = Path.Combine(_scratch, Path.GetFileNameWithoutExtension(capture) + ".csv");
        Assert.Equal(0, CliRunner.Run("analyze", capture, "-q", "-o", csv).ExitCode);
        string[] lines = File.ReadAllLines(csv);
        string[] header = lines[0].Split(',');
        int uid = Array.IndexOf(header, "uid"), addr = Array.IndexOf(header, "server_addr"), port = Array.IndexOf(header, "server_port"),
            start = Array.IndexOf(header, "start_epoch"), cause = Array.IndexOf(header, "cause");
        return lines.Skip(1).Select(l => l.Split(','))
            .OrderBy(f => decimal.Parse(f[start], System.Globalization.CultureInfo.InvariantCulture))
            .Select(f => (f[uid], f[addr] + ":" + f[port], f[cause])).ToList();
    }

    private static string[] Lines(string output) => output.Split('\n');

    /// <summary>The lines of the group whose header names this cause and server, up to the next blank line.</summary>
    private static string[] GroupBlock(string output, string header)
    {
        string[] lines = Lines(output);
        int at = Array.FindIndex(lines, l => l.StartsWith(header, StringComparison.Ordinal));
        Assert.True(at >= 0, $"no group '{header}' in:\n{output}");
        return lines.Skip(at).TakeWhile(l => l.Length > 0).ToArray();
    }

    [Fact]
    public void ConnectionsOfOneCauseVerdictAndServer_AreOneGroup_WithTheirCount_AndTheEarliestThreeAsExamples()
    {
        string capture = FourGroups();
        CliResult r = CliRunner.Run("analyze", capture);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(GroupsTitle + ", most serious first (4 groups)", r.Output, StringComparison.Ordinal);

        string[] block = GroupBlock(r.Output, "  ACTIONABLE  refused  -> 10.0.0.2:445  ");
        Assert.Equal("  ACTIONABLE  refused  -> 10.0.0.2:445  5 connections", block[0]);
        Assert.StartsWith("      reset by the server 5; ", block[1], StringComparison.Ordinal);

        var refused445 = CsvRows(capture).Where(row => row.Server == "10.0.0.2:445").Select(row => row.Uid).ToList();
        Assert.Equal(5, refused445.Count);
        var examples = block.Where(l => l.StartsWith("      C", StringComparison.Ordinal)).Select(l => l.Trim().Split("  ")[0]).ToList();
        Assert.Equal(refused445.Take(3), examples);
        // Each example carries its evidence, shortened, on the line below.
        int first = Array.FindIndex(block, l => l.Contains(examples[0], StringComparison.Ordinal));
        Assert.StartsWith("        SYN from client 10.0.0.1 answered by RST,ACK", block[first + 1], StringComparison.Ordinal);
        Assert.True(block[first + 1].Length <= 8 + 90, block[first + 1]);

        // The other uids are not in the report; the log hints of --list all are not either.
        Assert.All(refused445.Skip(3), uid => Assert.DoesNotContain(uid, r.Output, StringComparison.Ordinal));
        Assert.DoesNotContain("log hint:", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_AreOrderedSuspiciousActionableBenign_ThenLargestFirst()
    {
        CliResult r = CliRunner.Run("analyze", FourGroups());
        var headers = Lines(r.Output).Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains("  -> ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "  SUSPICIOUS  suspected-injection  -> 10.0.0.4:8000  1 connection",
            "  ACTIONABLE  refused  -> 10.0.0.2:445  5 connections",
            "  ACTIONABLE  refused  -> 10.0.0.2:139  2 connections",
            "  BENIGN  abortive-close  -> 10.0.0.3:8000  4 connections",
        ], headers);
    }

    [Fact]
    public void Top_LimitsTheGroups_AndSaysWhatWasLeftOut_AndHowToSeeIt()
    {
        CliResult r = CliRunner.Run("analyze", FourGroups(), "--top", "2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(GroupsTitle + ", most serious first (top 2 of 4 groups)", r.Output, StringComparison.Ordinal);
        Assert.Contains("-> 10.0.0.2:445  5 connections", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("-> 10.0.0.2:139", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("-> 10.0.0.3:8000", r.Output, StringComparison.Ordinal);
        string notShown = Assert.Single(Lines(r.Output), l => l.StartsWith("Not shown: ", StringComparison.Ordinal));
        Assert.StartsWith("Not shown: 2 more groups with 6 connections (1 actionable, 1 benign); show them with --top 4, ", notShown, StringComparison.Ordinal);
        Assert.Contains("--list all", notShown, StringComparison.Ordinal);

        // Everything shown: no such line.
        Assert.DoesNotContain("Not shown:", CliRunner.Run("analyze", FourGroups(), "--top", "4").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ListAll_ListsEveryFlaggedConnection_WithItsEvidenceAndLogHint()
    {
        string capture = FourGroups();
        CliResult r = CliRunner.Run("analyze", capture, "--list", "all");
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain(GroupsTitle, r.Output, StringComparison.Ordinal);
        Assert.Contains("Flagged connections, most serious first", r.Output, StringComparison.Ordinal);
        var rows = CsvRows(capture);
        Assert.Equal(12, rows.Count);
        foreach (var (uid, server, cause) in rows)
            Assert.Single(Lines(r.Output), l => l.Contains($"  {cause}  {uid}  ", StringComparison.Ordinal) && l.Contains("-> " + server, StringComparison.Ordinal));
        Assert.Equal(12, Lines(r.Output).Count(l => l.StartsWith("      log hint: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void WhenGroupingWouldHideNothing_EachConnectionIsListedInFull()
    {
        // Three refused connects fit among one group's three examples: the full listing says more.
        CliResult three = CliRunner.Run("analyze", Refused(3));
        Assert.DoesNotContain(GroupsTitle, three.Output, StringComparison.Ordinal);
        Assert.Equal(3, Lines(three.Output).Count(l => l.StartsWith("      log hint: ", StringComparison.Ordinal)));

        CliResult four = CliRunner.Run("analyze", Refused(4));
        Assert.Contains(GroupsTitle, four.Output, StringComparison.Ordinal);
        Assert.Contains("  ACTIONABLE  refused  -> 10.0.0.2:445  4 connections", four.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--top", "20")]
    [InlineData("--list", "all")]
    public void TheLastLine_IsTheSummarysKeyLine(string option, string value)
    {
        CliResult r = CliRunner.Run("analyze", FourGroups(), option, value);
        string last = Lines(r.Output.TrimEnd('\n'))[^1];
        Assert.Matches(@"^Flagged 12: 1 suspicious, 7 actionable, 4 benign; [0-9,]+ packets in [0-9]+\.[0-9]{3} s$", last);
        // The same counts as the summary at the top.
        Assert.Contains("Flagged 12 (benign 4, actionable 7, suspicious 1)", r.Output, StringComparison.Ordinal);
        Assert.StartsWith(Report.Value(r.Output, "Packets").Split(' ')[0] + " packets in ", last["Flagged 12: 1 suspicious, 7 actionable, 4 benign; ".Length..], StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutFlaggedConnections_TheReportEndsWithItsSummary_NotASecondCopy()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "normal-session.pcap"));
        Assert.StartsWith("No resets: no connection was reset (2 connections", Lines(r.Output.TrimEnd('\n'))[^1], StringComparison.Ordinal);
        Assert.Single(Lines(r.Output), l => l.StartsWith("No resets", StringComparison.Ordinal));
    }

    [Fact]
    public void AnExport_KeepsEveryRow_WhateverTheReportShows()
    {
        string capture = FourGroups();
        string csv = Path.Combine(_scratch, "top1.csv");
        Assert.Equal(0, CliRunner.Run("analyze", capture, "--top", "1", "-q", "-o", csv).ExitCode);
        Assert.Equal(1 + 12, File.ReadAllLines(csv).Length);
    }
}
