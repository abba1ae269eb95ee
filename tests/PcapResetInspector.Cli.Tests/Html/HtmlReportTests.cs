using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Cli.Tests.Html;

/// <summary>The HTML report's data and text, without a browser: bounded counts, the cap, escaping, no requests.</summary>
public sealed class HtmlReportTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-html-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    internal const string Hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)> & \"q\" 'a' \u2028\u2029 \u001b[31m \ud800 end";

    [Fact]
    public void Timeline_counts_stay_bounded_and_land_in_the_right_bucket()
    {
        var counts = new TimelineCounts();
        long t0 = SyntheticRows.Start;
        // Many distinct milliseconds force coarsening; every count must survive it.
        for (int i = 0; i < 20_000; i++)
            counts.Add(t0 + (i * 3_000_000L), ResetCause.Refused, Verdict.Actionable);
        counts.Add(t0 + TimeSpan.FromHours(2).Ticks * 100, ResetCause.SynFlood, Verdict.Suspicious);
        Assert.True(counts.CountedWidth > 1_000_000, "the width grew past a millisecond");

        TimelineBuckets buckets = counts.Buckets(t0, t0 + TimeSpan.FromHours(3).Ticks * 100, HtmlReport.MaxBars);
        Assert.InRange(buckets.Length, 2, HtmlReport.MaxBars);
        Assert.Contains(buckets.Width, TimelineCounts.Widths);
        long total = 0;
        for (int i = 0; i < buckets.Length; i++)
            total += buckets.Total(i);
        Assert.Equal(20_001, total);
        int flood = (int)((t0 + TimeSpan.FromHours(2).Ticks * 100 - buckets.Start) / buckets.Width);
        Assert.Equal(1, buckets.Count(flood, Verdict.Suspicious));
        Assert.Equal(1, buckets.Count(flood, ResetCause.SynFlood));
        Assert.Equal(0, buckets.Count(flood, Verdict.Actionable));
        Assert.Equal(20_000, Enumerable.Range(0, buckets.Length).Sum(i => buckets.Count(i, Verdict.Actionable)));
    }

    [Fact]
    public void Capped_rows_keep_the_most_serious_and_count_the_rest()
    {
        var rows = new HtmlReportRows(maxRows: 3);
        long t = SyntheticRows.Start;
        Add(rows, 1, t + 5, ResetCause.SmbRaceLoser, Verdict.Benign);
        Add(rows, 2, t + 4, ResetCause.Refused, Verdict.Actionable);
        Add(rows, 3, t + 9, ResetCause.SuspectedInjection, Verdict.Suspicious);
        Add(rows, 4, t + 1, ResetCause.SmbRaceLoser, Verdict.Benign);
        Add(rows, 5, t + 2, ResetCause.Refused, Verdict.Actionable);
        Add(rows, 6, t + 3, ResetCause.Refused, Verdict.Actionable);

        Assert.Equal(6, rows.Flagged);
        Assert.Equal(3, rows.Omitted);
        Assert.Equal(6, rows.Timeline.Total); // the chart counts every row, kept or not
        Assert.Equal(["C0000000000000003", "C0000000000000005", "C0000000000000006"], rows.Rows().Select(r => r.Uid));
    }

    [Fact]
    public void Hostile_text_stays_text_in_the_page_and_in_the_data()
    {
        var rows = new HtmlReportRows();
        Add(rows, 1, SyntheticRows.Start, ResetCause.SuspectedInjection, Verdict.Suspicious, Hostile, history: "Sh<b>R");
        string page = File.ReadAllText(SyntheticRows.WritePage(Path.Combine(_scratch, "hostile.html"), rows));

        Assert.DoesNotContain("<img", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("alert(", ScriptsOtherThanData(page), StringComparison.Ordinal);
        Assert.DoesNotContain('\u2028', page);
        Assert.DoesNotContain('\u2029', page);
        string blob = DataBlob(page);
        Assert.All(blob, c => Assert.InRange(c, ' ', '~'));
        Assert.DoesNotContain("</", blob, StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(blob);
        JsonElement row = json.RootElement.GetProperty("rows")[0];
        Assert.Equal(HtmlText.Plain(Hostile), row[12].GetString());
        Assert.Contains("</script><img src=x", row[12].GetString(), StringComparison.Ordinal);
        Assert.Contains("\\x1B[31m", row[12].GetString(), StringComparison.Ordinal);
        Assert.Contains("\uFFFD end", row[12].GetString(), StringComparison.Ordinal);
        Assert.Equal("Sh<b>R", row[6].GetString());
    }

    [Fact]
    public void The_page_asks_nothing_of_the_network_and_its_policy_allows_only_its_own_inline_code()
    {
        var rows = new HtmlReportRows();
        Add(rows, 1, SyntheticRows.Start, ResetCause.Refused, Verdict.Actionable);
        string page = File.ReadAllText(SyntheticRows.WritePage(Path.Combine(_scratch, "offline.html"), rows));

        Assert.DoesNotMatch(new Regex("https?://", RegexOptions.IgnoreCase), page);
        // As attributes (after whitespace, a quoted value): the Wireshark filters' ip.src== is text, not an attribute.
        Assert.DoesNotMatch(new Regex(@"\s(src|href|srcset|action|xlink:href)\s*=\s*[""']", RegexOptions.IgnoreCase), page);
        Assert.DoesNotMatch(new Regex(@"url\(|@import|@font-face", RegexOptions.IgnoreCase), page);

        Match csp = Regex.Match(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">");
        Assert.True(csp.Success);
        string policy = csp.Groups[1].Value;
        Assert.StartsWith("default-src 'none';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        string style = Regex.Match(page, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        string script = Regex.Match(page, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains($"style-src '{Sha256(style)}'", policy, StringComparison.Ordinal);
        Assert.Contains($"script-src '{Sha256(script)}'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_with_html_writes_the_page_beside_an_unchanged_report()
    {
        string capture = Path.Combine(_scratch, "refused.pcap");
        File.WriteAllBytes(capture, Testing.Synthesis.SampleCaptures.Refused().ToPcapBytes());
        string page = Path.Combine(_scratch, "report.html");

        CliResult plain = CliRunner.Run("analyze", capture);
        CliResult withPage = CliRunner.Run("analyze", capture, "--html", page);

        Assert.Equal(plain.ExitCode, withPage.ExitCode);
        Assert.Equal(plain.Output.Replace(Elapsed(plain.Output), "", StringComparison.Ordinal),
            withPage.Output.Replace(Elapsed(withPage.Output), "", StringComparison.Ordinal));
        string html = File.ReadAllText(page);
        Assert.Contains("data-total=\"3\"", html, StringComparison.Ordinal);
        Assert.Contains("refused", DataBlob(html), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial")); // written under a temporary name, then renamed
    }

    [Fact]
    public void An_html_file_that_cannot_be_written_is_refused_before_reading()
    {
        string capture = Path.Combine(_scratch, "refused.pcap");
        File.WriteAllBytes(capture, Testing.Synthesis.SampleCaptures.Refused().ToPcapBytes());

        CliResult result = CliRunner.Run("analyze", capture, "--html", Path.Combine(_scratch, "missing", "report.html"));

        Assert.Equal(ExitCodes.WriteError, result.ExitCode);
        Assert.Contains("cannot write", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void The_kernels_reason_is_a_column_only_on_a_page_whose_rows_carry_it()
    {
        var plain = new HtmlReportRows();
        Add(plain, 1, SyntheticRows.Start, ResetCause.Refused, Verdict.Actionable);
        string without = File.ReadAllText(SyntheticRows.WritePage(Path.Combine(_scratch, "plain.html"), plain));
        Assert.DoesNotContain("data-key=\"kernel\"", without, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"kernel\"", without, StringComparison.Ordinal);
        using (JsonDocument json = JsonDocument.Parse(DataBlob(without)))
        {
            Assert.False(json.RootElement.GetProperty("kernel").GetBoolean());
            Assert.Equal(15, json.RootElement.GetProperty("rows")[0].GetArrayLength());
        }

        var rows = new HtmlReportRows();
        Add(rows, 1, SyntheticRows.Start, ResetCause.Refused, Verdict.Actionable);
        AddWithKernel(rows, 2, SyntheticRows.Start + 1, ResetCause.AbortiveClose, Verdict.Benign, "TCP_STATE");
        string with = File.ReadAllText(SyntheticRows.WritePage(Path.Combine(_scratch, "kernel.html"), rows));
        // After the cause, with its own filter beside the cause's.
        Assert.Contains("<th data-key=\"cause\" aria-sort=\"none\" tabindex=\"0\">cause</th><th data-key=\"kernel\" aria-sort=\"none\" tabindex=\"0\">kernel reason</th>", with, StringComparison.Ordinal);
        Assert.Contains("<select id=\"kernel\">", with, StringComparison.Ordinal);
        using (JsonDocument json = JsonDocument.Parse(DataBlob(with)))
        {
            JsonElement root = json.RootElement;
            Assert.True(root.GetProperty("kernel").GetBoolean());
            string[] strings = root.GetProperty("strings").EnumerateArray().Select(e => e.GetString()!).ToArray();
            string[] reasons = root.GetProperty("rows").EnumerateArray().Select(r => strings[r[15].GetInt32()]).ToArray();
            Assert.Equal(["", "TCP_STATE"], reasons.Order(StringComparer.Ordinal));
        }
    }

    internal static void Add(HtmlReportRows rows, long ordinal, long time, ResetCause cause, Verdict verdict, string? evidence = null, string history = "ShR")
    {
        var (connection, diagnosis) = SyntheticRows.Make(ordinal, time, cause, verdict, evidence, history);
        rows.Add(connection, diagnosis);
    }

    /// <summary>A row joined to a tcp_send_reset event, as capture --kernel-reasons joins it.</summary>
    internal static void AddWithKernel(HtmlReportRows rows, long ordinal, long time, ResetCause cause, Verdict verdict, string reason)
    {
        var (connection, diagnosis) = SyntheticRows.Make(ordinal, time, cause, verdict);
        var sent = new Core.Kernel.KernelResetEvent(time, Core.Kernel.KernelResetDirection.Sent, connection.Originator.Address,
            connection.Originator.Port, connection.Responder.Address, connection.Responder.Port, "TCP_CLOSE", reason);
        rows.Add(connection, diagnosis.WithKernel(sent, null, cause, verdict, diagnosis.Confidence, $"kernel: {reason} in TCP_CLOSE (tcp_send_reset) agrees; {diagnosis.Evidence}"));
    }

    internal static string DataBlob(string page) =>
        Regex.Match(page, "<script type=\"application/json\" id=\"data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;

    private static string ScriptsOtherThanData(string page) =>
        string.Concat(Regex.Matches(page, "<script>(.*?)</script>", RegexOptions.Singleline).Select(m => m.Groups[1].Value));

    private static string Sha256(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Elapsed(string report) => Regex.Match(report, @"in \d+\.\d+ s").Value;
}
