using System.Text.Json;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// `explain` on a Samba 4.x log written for a generated capture of a few thousand connections: every line
/// naming a client in the capture matches its connection exactly, the clock offset is found without
/// options, race losers are benign, and lines about clients or times outside the capture match nothing.
/// </summary>
public sealed class ExplainSambaTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-explain-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private (string Capture, string Log, SambaOfficeDay Day) Write(int clients, TimeSpan offset, ulong seed = 7)
    {
        var day = new SambaOfficeDay(clients, offset, seed);
        TrafficBuilder builder = day.Build();
        string capture = Path.Combine(_scratch, "smb.pcap");
        File.WriteAllBytes(capture, builder.ToPcapBytes());
        string log = Path.Combine(_scratch, "log.smbd");
        File.WriteAllText(log, day.Log);
        if (Environment.GetEnvironmentVariable("KEEP_EXPLAIN_SAMPLE") is { Length: > 0 } keep)
        {
            File.Copy(capture, Path.Combine(keep, "smb.pcap"), overwrite: true);
            File.Copy(log, Path.Combine(keep, "log.smbd"), overwrite: true);
        }
        return (capture, log, day);
    }

    private static List<JsonElement> Rows(string json) =>
        json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    [Theory]
    [InlineData(2_000, 60)]
    [InlineData(600, -330)]
    public void Every_line_naming_a_client_in_the_capture_is_matched_exactly_with_the_offset_inferred(int clients, int offsetMinutes)
    {
        (string capture, string log, SambaOfficeDay day) = Write(clients, TimeSpan.FromMinutes(offsetMinutes));
        CliResult result = CliRunner.Run("explain", "--log", log, capture, "--format", "json");
        Assert.Equal(0, result.ExitCode);
        List<JsonElement> rows = Rows(result.Output);
        Assert.Equal(day.Expected.Count, rows.Count);
        string offset = (offsetMinutes < 0 ? "-" : "+") + TimeSpan.FromMinutes(Math.Abs(offsetMinutes)).ToString("hh\\:mm");
        foreach ((SambaLogExpectation expected, JsonElement row) in day.Expected.Zip(rows))
        {
            Assert.Equal(expected.LineNumber, row.GetProperty("log.line").GetInt32());
            string match = row.GetProperty("match").GetString()!;
            switch (expected.Kind)
            {
                case SambaLineKind.RaceLoser or SambaLineKind.ClientAbort:
                    Assert.Equal("exact", match);
                    Assert.Equal(offset, row.GetProperty("match.offset").GetString());
                    Assert.Equal(1, row.GetProperty("match.candidates").GetInt32());
                    string client = row.GetProperty("id.orig_h").GetString()!;
                    Assert.Equal(expected.ClientAddress, client);
                    Assert.Equal(expected.ClientPort, row.GetProperty("id.orig_p").GetInt32());
                    Assert.Equal("client", row.GetProperty("reset.by_role").GetString());
                    if (expected.Kind == SambaLineKind.RaceLoser)
                    {
                        Assert.Equal("smb-race-loser", row.GetProperty("reset.cause").GetString());
                        Assert.Equal("benign", row.GetProperty("reset.verdict").GetString());
                    }
                    else
                    {
                        Assert.NotEqual("smb-race-loser", row.GetProperty("reset.cause").GetString());
                    }
                    break;
                default:
                    Assert.Equal("none", match);
                    Assert.False(row.TryGetProperty("uid", out _));
                    break;
            }
        }
        Assert.Contains("inferred from", result.Error);
    }

    [Fact]
    public void The_table_shows_a_few_benign_lines_per_cause_and_list_all_shows_every_line()
    {
        (string capture, string log, SambaOfficeDay day) = Write(60, TimeSpan.FromHours(1));
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, capture);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("more benign line(s) of the 139/445 race (--list all shows every line", result.Output);
        int shown = result.Output.Split('\n').Count(l => l.StartsWith("  advice "));
        CliResult all = CliRunner.Run("explain", "--no-progress", "--log", log, capture, "--list", "all");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(day.Expected.Count, all.Output.Split('\n').Count(l => l.StartsWith("  advice ")));
        Assert.True(shown < day.Expected.Count);
        Assert.DoesNotContain("more benign line(s)", all.Output);
    }
}

/// <summary>explain --html: the page leads with the log lines and their connections, and renders in a browser.</summary>
public sealed class ExplainHtmlTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-explain-html-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Html.NeedsChromiumFact]
    public void The_page_lists_every_log_line_with_its_match_and_renders()
    {
        var day = new SambaOfficeDay(clients: 40, TimeSpan.FromHours(1), seed: 5);
        string capture = Path.Combine(_scratch, "smb.pcap"), log = Path.Combine(_scratch, "log.smbd"), page = Path.Combine(_scratch, "x.html");
        File.WriteAllBytes(capture, day.Build().ToPcapBytes());
        File.WriteAllText(log, day.Log);
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, capture, "--html", page);
        Assert.Equal(0, result.ExitCode);

        Html.Chromium.Result dom = Html.Chromium.DumpDom(page);
        Assert.Equal(0, dom.ExitCode);
        string table = dom.Output[dom.Output.IndexOf("id=\"log-line-table\"", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("</table>", StringComparison.Ordinal)];
        Assert.Equal(day.Expected.Count, System.Text.RegularExpressions.Regex.Count(table, "<tr class=\"match-"));
        Assert.Equal(day.Expected.Count(e => e.Kind is SambaLineKind.RaceLoser or SambaLineKind.ClientAbort),
            System.Text.RegularExpressions.Regex.Count(table, "<tr class=\"match-exact\""));
        Assert.Contains("clock UTC+01:00 (inferred", dom.Output);
        // The analysis follows: its flagged-connections table is on the same page.
        Assert.Contains("id=\"connections\"", dom.Output);
    }

    [Fact]
    public void The_capture_line_counts_one_connection_in_the_singular()
    {
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.7", 50412, "10.0.0.2", 445).Syn().RefuseWithRst();
        string capture = Path.Combine(_scratch, "one.pcap"), log = Path.Combine(_scratch, "log.smbd");
        File.WriteAllBytes(capture, b.ToPcapBytes());
        File.WriteAllText(log, "");
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, capture);
        Assert.Contains("Capture: 2 packets, 1 connection, 1 with a RST;", result.Output);
    }
}
