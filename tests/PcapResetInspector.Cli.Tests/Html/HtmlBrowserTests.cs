using System.Text.RegularExpressions;
using CsvHelper;
using Xunit.Abstractions;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests.Html;

/// <summary>
/// The HTML report opened in headless Chromium: what it draws, what its script renders, that a filter in
/// the address applies on load, that sorting works, that it makes no request, and that half a million
/// flagged connections still make a page of bounded size that renders in time.
/// </summary>
[Collection("chromium")]
public sealed class HtmlBrowserTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-browser-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>A mixed capture (refused, aborts, idle timeouts, races, injections, scans, reflection), its page and its CSV.</summary>
    private (string Page, List<Dictionary<string, string>> Csv) AnalyzeMixed()
    {
        string capture = Path.Combine(_scratch, "mixed.pcap");
        File.WriteAllBytes(capture, CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = CaptureProfile.Mixed, MaxConnections = 900, Seed = 7 }));
        string page = Path.Combine(_scratch, "report.html"), csv = Path.Combine(_scratch, "flagged.csv");
        CliResult result = CliRunner.Run("analyze", capture, "--html", page, "-o", csv);
        Assert.True(result.ExitCode is ExitCodes.Success or ExitCodes.FindingsFound, result.Error);
        var rows = new List<Dictionary<string, string>>();
        using (CsvReader reader = CsvReader.FromText(File.ReadAllText(csv)))
        {
            while (reader.Read())
                rows.Add(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)));
        }
        return (page, rows);
    }

    [NeedsChromiumFact]
    public void The_page_draws_every_flagged_connection_and_renders_a_page_of_rows()
    {
        var (page, csv) = AnalyzeMixed();
        var flagged = csv.Where(r => r["verdict"].Length > 0).ToList();
        Assert.True(flagged.Select(r => r["cause"]).Distinct().Count() >= 5, "the capture has several causes");
        string html = File.ReadAllText(page);

        // The chart: at most 200 bars, one group per non-empty bucket, adding up to the CSV's rows by verdict.
        string verdictChart = Regex.Match(html, "<svg id=\"chart-verdict\".*?</svg>", RegexOptions.Singleline).Value;
        int buckets = int.Parse(Regex.Match(verdictChart, "data-buckets=\"(\\d+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(buckets, 2, HtmlReport.MaxBars);
        Assert.Equal(flagged.Count, Regex.Matches(verdictChart, "<g class=\"bucket\"[^>]*data-total=\"(\\d+)\"").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        foreach (string verdict in new[] { "benign", "actionable", "suspicious" })
            Assert.Equal(flagged.Count(r => r["verdict"] == verdict), Regex.Matches(verdictChart, $"class=\"bar v-{verdict}\" data-n=\"(\\d+)\"").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

        Chromium.Result dom = Chromium.DumpDom(page);
        Assert.Equal(0, dom.ExitCode);
        Assert.Contains("data-ready=\"true\"", dom.Output, StringComparison.Ordinal);
        Assert.Empty(Chromium.Complaints(dom.Error));
        Assert.Contains($"data-shown=\"{flagged.Count}\"", dom.Output, StringComparison.Ordinal);
        Assert.Equal(Math.Min(200, flagged.Count), RenderedRows(dom.Output).Count);
        Assert.Equal(Regex.Matches(verdictChart, "<g class=\"bucket\"").Count, Regex.Matches(Chart(dom.Output, "chart-verdict"), "<g class=\"bucket\"").Count);

        string png = Path.Combine(_scratch, "page.png");
        Chromium.Result shot = Chromium.Screenshot(page, png);
        Assert.Equal(0, shot.ExitCode);
        Png.Image image = Png.Read(png);
        Assert.Equal((1280, 2000), (image.Width, image.Height));
        Assert.True(image.NonWhite > image.Width * image.Height / 50, $"only {image.NonWhite} pixels are not white");
        Assert.True(image.Colours > 50, $"only {image.Colours} colours: nothing was drawn");
    }

    [NeedsChromiumFact]
    public void A_filter_in_the_address_applies_on_load_and_sorting_orders_the_rows()
    {
        var (page, csv) = AnalyzeMixed();
        var flagged = csv.Where(r => r["verdict"].Length > 0).ToList();
        int refused = flagged.Count(r => r["cause"] == "refused");
        Assert.InRange(refused, 2, 200);

        Chromium.Result byCause = Chromium.DumpDom(page, "#cause=refused");
        var rows = RenderedRows(byCause.Output);
        Assert.Equal(refused, rows.Count);
        Assert.All(rows, r => Assert.Equal("refused", r.Cause));
        Assert.Contains($"data-shown=\"{refused}\"", byCause.Output, StringComparison.Ordinal);

        // Free text: the words of the filter all have to be there, in any column.
        string uid = flagged.First(r => r["cause"] == "refused")["uid"];
        var one = RenderedRows(Chromium.DumpDom(page, "#filter=" + uid).Output);
        Assert.Equal(uid, Assert.Single(one).Uid);
        Assert.Empty(RenderedRows(Chromium.DumpDom(page, "#filter=no-such-text-anywhere").Output));

        var ascending = RenderedRows(Chromium.DumpDom(page, "#cause=refused&sort=start&dir=asc").Output);
        var descending = RenderedRows(Chromium.DumpDom(page, "#cause=refused&sort=start&dir=desc").Output);
        Assert.Equal(ascending.Select(r => r.Start).Order(StringComparer.Ordinal), ascending.Select(r => r.Start));
        Assert.Equal(ascending.Select(r => r.Start).Reverse(), descending.Select(r => r.Start));
        Assert.NotEqual(ascending.Select(r => r.Uid), descending.Select(r => r.Uid));
        Assert.Contains("data-key=\"start\" aria-sort=\"descending\"", Chromium.DumpDom(page, "#sort=start&dir=desc").Output, StringComparison.Ordinal);
    }

    [NeedsChromiumFact]
    public void Hostile_text_is_shown_as_text_and_nothing_runs_or_loads()
    {
        var rows = new HtmlReportRows();
        HtmlReportTests.Add(rows, 1, SyntheticRows.Start, ResetCause.SuspectedInjection, Verdict.Suspicious, HtmlReportTests.Hostile);
        string page = SyntheticRows.WritePage(Path.Combine(_scratch, "hostile.html"), rows);

        Chromium.Result dom = Chromium.DumpDom(page);
        Assert.Contains("data-ready=\"true\"", dom.Output, StringComparison.Ordinal);
        Assert.Single(RenderedRows(dom.Output));
        Assert.DoesNotContain("<img", dom.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; \"q\" 'a'", dom.Output, StringComparison.Ordinal);
        Assert.Empty(Chromium.Complaints(dom.Error));
    }

    [NeedsChromiumFact]
    public void The_kernels_reason_is_a_column_that_filters_and_sorts()
    {
        var rows = new HtmlReportRows();
        HtmlReportTests.Add(rows, 1, SyntheticRows.Start, ResetCause.Refused, Verdict.Actionable);
        HtmlReportTests.AddWithKernel(rows, 2, SyntheticRows.Start + 2_000, ResetCause.AbortiveClose, Verdict.Benign, "TCP_STATE");
        HtmlReportTests.AddWithKernel(rows, 3, SyntheticRows.Start + 3_000, ResetCause.CloseWithUnreadData, Verdict.Actionable, "TCP_ABORT_ON_CLOSE");
        HtmlReportTests.AddWithKernel(rows, 4, SyntheticRows.Start + 4_000, ResetCause.AbortiveClose, Verdict.Benign, "TCP_STATE");
        string page = SyntheticRows.WritePage(Path.Combine(_scratch, "kernel.html"), rows);

        Chromium.Result all = Chromium.DumpDom(page);
        Assert.Empty(Chromium.Complaints(all.Error));
        Assert.Equal(4, RenderedRows(all.Output).Count);
        Assert.Equal(["", "TCP_ABORT_ON_CLOSE", "TCP_STATE", "TCP_STATE"], KernelCells(all.Output).Order(StringComparer.Ordinal));
        Assert.Contains("<option value=\"TCP_ABORT_ON_CLOSE\">TCP_ABORT_ON_CLOSE</option><option value=\"TCP_STATE\">TCP_STATE</option>", all.Output, StringComparison.Ordinal);

        var byReason = RenderedRows(Chromium.DumpDom(page, "#kernel=TCP_STATE").Output);
        Assert.Equal(["C0000000000000002", "C0000000000000004"], byReason.Select(r => r.Uid).Order(StringComparer.Ordinal));
        Assert.Equal(["TCP_ABORT_ON_CLOSE", "TCP_STATE", "TCP_STATE", ""], KernelCells(Chromium.DumpDom(page, "#sort=kernel&dir=asc").Output));
        Assert.Single(RenderedRows(Chromium.DumpDom(page, "#filter=tcp_abort_on_close").Output)); // free text finds it too
    }

    /// <summary>The kernel reason cells in the order rendered.</summary>
    private static List<string> KernelCells(string dom) =>
        Regex.Matches(dom, "<td class=\"mono kernel\">(.*?)</td>", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

    [NeedsChromiumFact]
    public void Half_a_million_flagged_connections_make_a_bounded_page_that_still_renders()
    {
        var rows = new HtmlReportRows();
        var causes = new[] { (ResetCause.SynFlood, Verdict.Suspicious), (ResetCause.Refused, Verdict.Actionable), (ResetCause.SmbRaceLoser, Verdict.Benign) };
        for (int i = 0; i < 500_000; i++)
        {
            // A flood in the middle of an hour of background resets.
            long time = i % 5 == 0 ? SyntheticRows.Start + (i * 7_200_000L) : SyntheticRows.Start + 1_800_000_000_000 + (i * 1_000L);
            var (cause, verdict) = i % 5 == 0 ? causes[1 + (i / 5 % 2)] : causes[0];
            HtmlReportTests.Add(rows, i, time, cause, verdict);
        }
        string page = SyntheticRows.WritePage(Path.Combine(_scratch, "huge.html"), rows);

        long size = new FileInfo(page).Length;
        Assert.InRange(size, 1, 30L << 20);
        string html = File.ReadAllText(page);
        Assert.Contains("data-total=\"500000\" data-embedded=\"20000\" data-omitted=\"480000\"", html, StringComparison.Ordinal);
        Assert.Contains("480,000 were left out", html, StringComparison.Ordinal);
        Assert.InRange(Regex.Matches(html, "<g class=\"bucket\"").Count, 2, 2 * HtmlReport.MaxBars);

        Chromium.Result dom = Chromium.DumpDom(page, timeout: TimeSpan.FromSeconds(60));
        Assert.Contains("data-ready=\"true\"", dom.Output, StringComparison.Ordinal);
        var shown = RenderedRows(dom.Output);
        Assert.Equal(200, shown.Count);
        Assert.All(shown, r => Assert.Equal("synthetic", r.Evidence.Split(' ')[0]));
        log.WriteLine($"500,000 flagged: page of {size:N0} bytes, rendered by chromium in {dom.Elapsed.TotalSeconds:F1} s");
        Assert.True(dom.Elapsed < TimeSpan.FromSeconds(45), $"chromium took {dom.Elapsed.TotalSeconds:F1} s");
    }

    private sealed record Rendered(string Uid, string Start, string Cause, string Evidence);

    /// <summary>The table's rows as the script rendered them (each row, then its line of evidence).</summary>
    private static List<Rendered> RenderedRows(string dom) =>
        Regex.Matches(dom, "<tr class=\"row [^\"]*\" data-uid=\"([^\"]+)\">(.*?)</tr><tr class=\"detail[^\"]*\">(.*?)</tr>", RegexOptions.Singleline)
            .Select(m =>
            {
                var cells = Regex.Matches(m.Groups[2].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline).Select(c => c.Groups[1].Value).ToList();
                string evidence = Regex.Match(m.Groups[3].Value, "<div class=\"ev\"><span class=\"label\">evidence: </span>(.*?)</div>", RegexOptions.Singleline).Groups[1].Value;
                return new Rendered(m.Groups[1].Value, cells[1], cells[9], evidence);
            })
            .ToList();

    private static string Chart(string dom, string id) => Regex.Match(dom, $"<svg id=\"{id}\".*?</svg>", RegexOptions.Singleline).Value;
}

[CollectionDefinition("chromium", DisableParallelization = true)]
public sealed class ChromiumCollection;
