using System.Globalization;
using System.Text;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// The report as one self-contained HTML page (--html): the summary, a timeline of the flagged connections,
/// the findings, the hosts and race groups, and the flagged connections in a table that filters and sorts.
/// Written from the same data as the terminal report; it opens offline and makes no request.
/// </summary>
public static class HtmlReport
{
    /// <summary>At most this many bars in the timeline, whatever the capture's length.</summary>
    public const int MaxBars = 200;

    private const int TopHosts = 10, MaxFindingGroups = 50, EpisodesShown = 5;

    /// <param name="leadSection">A section of the command's own after the summary (explain's log lines).</param>
    public static void Write(TextWriter output, ReportData data, HtmlReportRows rows, Action<StringBuilder>? leadSection = null)
    {
        var html = new StringBuilder(1 << 16);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"Content-Security-Policy\" content=\"{HtmlAssets.ContentSecurityPolicy}\">\n");
        html.Append("<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>TCP resets: PcapResetInspector report</title>\n");
        html.Append("<style>").Append(HtmlAssets.Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>TCP resets</h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"sub\">PcapResetInspector report on {HtmlText.Escape(Source(data))}; times in UTC.</p>\n");
        WriteSummary(html, data, rows);
        leadSection?.Invoke(html);
        WriteTimeline(html, data, rows);
        WriteCauses(html, data.Resets);
        WriteFindings(html, data.Findings);
        WriteHosts(html, data.Resets);
        WriteRaceGroups(html, data.RaceGroups, rows);
        HtmlTable.WriteSection(html, rows);
        output.Write(html.ToString());
        HtmlTable.WriteData(output, rows);
        output.Write("<script>");
        output.Write(HtmlAssets.Script);
        output.Write("</script>\n</body>\n</html>\n");
        output.Flush();
    }

    private static string Source(ReportData data) =>
        data.Source ?? (data.Capture.FilesRead == 1 ? "1 capture file" : $"{data.Capture.FilesRead} capture files");

    private static void WriteSummary(StringBuilder html, ReportData data, HtmlReportRows rows)
    {
        CaptureStatistics stats = data.Capture;
        ResetStatistics resets = data.Resets;
        html.Append("<section id=\"summary\">\n<h2>Summary</h2>\n");
        html.Append("<p class=\"key\"><strong>").Append(HtmlText.N(resets.Total)).Append(" flagged</strong>: ");
        html.Append(string.Join(", ", new[] { Verdict.Suspicious, Verdict.Actionable, Verdict.Benign }.Select(v =>
            $"<span class=\"pill v-{v.ToKebabCase()}{(resets.Count(v) == 0 ? " zero" : "")}\" data-verdict=\"{v.ToKebabCase()}\">{HtmlText.N(resets.Count(v))} {v.ToKebabCase()}</span>")));
        if (data.Findings.Count > 0)
            html.Append("; ").Append(HtmlText.N(data.Findings.Count)).Append(data.Findings.Count == 1 ? " host-level finding" : " host-level findings");
        if (data.Interrupted)
            html.Append(" (interrupted: what was read so far)");
        html.Append("</p>\n<dl class=\"summary\">\n");
        Item(html, "Packets", $"{HtmlText.N(stats.Packets)} ({HtmlText.N(stats.CapturedBytes)} bytes captured) from {Source(data)}");
        if (data.Window is { } window)
            Item(html, "Window", $"--start/--end left out {HtmlText.N(window.Outside)} of {HtmlText.N(window.Read)} packets read");
        if (data.Filter is { } filter)
            Item(html, "Filter", $"\"{filter.Expression}\" kept {HtmlText.N(filter.Matched)} of {HtmlText.N(filter.Read)} packets");
        if (stats.Packets > 0)
            Item(html, "Time span", $"{HtmlText.Time(stats.FirstTimestamp)} to {HtmlText.Time(stats.LastTimestamp)} " +
                                    $"({((stats.LastTimestamp - stats.FirstTimestamp) / 1e9).ToString("0.###", CultureInfo.InvariantCulture)} s)");
        Item(html, "Analysed", CoverageText.Analysed(stats));
        if (CoverageText.NotAnalysed(stats) is { } notAnalysed)
            Item(html, "Not analysed", notAnalysed);
        if (CoverageText.NothingAnalysed(stats) is { } nothing)
            Item(html, "Nothing analysed", nothing + "; nothing can be said about resets");
        Item(html, "Connections", $"{HtmlText.N(data.Connections.Total)}, of which {HtmlText.N(data.Connections.SawRst)} saw a RST");
        if (data.Connections.ByConnState.Count > 0)
            Item(html, "conn_state", string.Join(", ", data.Connections.ByConnState.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {HtmlText.N(p.Value)}")));
        string withoutRst = resets.Total > resets.Resets ? $"; {HtmlText.N(resets.Total - resets.Resets)} of them saw no RST (race probes closed with FIN or never answered)" : "";
        Item(html, "Flagged", $"{HtmlText.N(resets.Total)} ({string.Join(", ", resets.ByVerdict.Select(p => $"{p.Key.ToKebabCase()} {HtmlText.N(p.Value)}"))}); " +
                              $"{HtmlText.N(data.RaceGroups)} race group(s){withoutRst}");
        if (data.Selection.HasFilter)
            Item(html, "Listed", $"{HtmlText.N(rows.Flagged)} connection(s) match --verdict/--cause; the chart and the table show those only");
        if (stats.EvictedConnections > 0)
            Item(html, "Evicted", $"{HtmlText.N(stats.EvictedConnections)} connection(s) pushed out by the connection-table cap; still listed, marked as evicted");
        html.Append("</dl>\n</section>\n");
    }

    private static void WriteTimeline(StringBuilder html, ReportData data, HtmlReportRows rows)
    {
        html.Append("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
        if (rows.Flagged == 0)
        {
            html.Append("<p class=\"note\">No flagged connection: nothing to draw.</p>\n</section>\n");
            return;
        }
        long from = data.Capture.Packets > 0 ? data.Capture.FirstTimestamp : rows.Timeline.FirstTime;
        long to = data.Capture.Packets > 0 ? data.Capture.LastTimestamp : rows.Timeline.LastTime;
        TimelineBuckets buckets = rows.Timeline.Buckets(from, to, MaxBars);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{HtmlText.N(rows.Flagged)} flagged {(rows.Flagged == 1 ? "connection" : "connections")} by the time of their first RST (or their start, without one), " +
                                                  $"in {buckets.Length} bars of {HtmlText.Duration(buckets.Width)}. Hover a bar for its counts.</p>\n");
        html.Append("<div class=\"chart-tabs\">\n<input type=\"radio\" name=\"chart\" id=\"by-verdict\" checked><label for=\"by-verdict\">by verdict</label>");
        html.Append("<input type=\"radio\" name=\"chart\" id=\"by-cause\"><label for=\"by-cause\">by cause</label>\n");
        html.Append("<div class=\"panel p-verdict\">\n");
        HtmlChart.Write(html, buckets, HtmlChart.ByVerdict(buckets), "chart-verdict", "Flagged connections over time by verdict");
        html.Append("</div>\n<div class=\"panel p-cause\">\n");
        HtmlChart.Write(html, buckets, HtmlChart.ByCause(buckets), "chart-cause", "Flagged connections over time by cause");
        html.Append("</div>\n</div>\n</section>\n");
    }

    private static void WriteCauses(StringBuilder html, ResetStatistics resets)
    {
        if (resets.Total == 0)
            return;
        html.Append("<section id=\"causes\">\n<h2>Resets by cause</h2>\n<table class=\"small\"><thead><tr><th>cause</th><th class=\"n\">benign</th><th class=\"n\">actionable</th><th class=\"n\">suspicious</th><th class=\"n\">total</th></tr></thead><tbody>\n");
        foreach (var (cause, total) in resets.ByCause.OrderBy(p => ConnectionGroups.Severity(p.Key.UsualVerdict())).ThenByDescending(p => p.Value))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><span class=\"swatch c-{(int)cause}\"></span>{cause.ToKebabCase()}</td>");
            foreach (Verdict v in new[] { Verdict.Benign, Verdict.Actionable, Verdict.Suspicious })
                html.Append("<td class=\"n\">").Append(Count(resets.Count(cause, v))).Append("</td>");
            html.Append("<td class=\"n\">").Append(HtmlText.N(total)).Append("</td></tr>\n");
        }
        html.Append("</tbody></table>\n</section>\n");
    }

    private static void WriteFindings(StringBuilder html, IReadOnlyList<HostFinding> findings)
    {
        if (findings.Count == 0)
            return;
        IReadOnlyList<FindingGroup> groups = FindingGroup.Group(findings);
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"findings\">\n<h2>Host-level findings ({HtmlText.N(findings.Count)}, suspicious)</h2>\n<ul class=\"findings\">\n");
        foreach (FindingGroup group in groups.Take(MaxFindingGroups))
        {
            html.Append("<li>");
            if (group.Findings.Count > 1)
                html.Append(CultureInfo.InvariantCulture, $"{HtmlText.Escape(TerminalReport.GroupSummary(group))}; " +
                                                          $"{HtmlText.Time(group.FirstTime)} to {HtmlText.Time(group.LastTime)}:<ul>");
            foreach (HostFinding finding in group.Findings.Take(EpisodesShown))
            {
                string tag = group.Findings.Count > 1 ? "li" : "span";
                html.Append(CultureInfo.InvariantCulture, $"<{tag} class=\"finding\" data-id=\"{finding.Id}\"><strong>{finding.Id}</strong> {HtmlText.Escape(finding.Summary)}; " +
                                                          $"<span class=\"mono\">{HtmlText.Time(finding.FirstTime)}</span> to <span class=\"mono\">{HtmlText.Time(finding.LastTime)}</span></{tag}>");
            }
            if (group.Findings.Count > EpisodesShown)
                html.Append(CultureInfo.InvariantCulture, $"<li class=\"note\">... and {HtmlText.N(group.Findings.Count - EpisodesShown)} more (the terminal report's --list all shows every one)</li>");
            if (group.Findings.Count > 1)
                html.Append("</ul>");
            html.Append("</li>\n");
        }
        html.Append("</ul>\n");
        if (groups.Count > MaxFindingGroups)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{HtmlText.N(groups.Count - MaxFindingGroups)} more groups of findings are not shown here; the terminal report's --list all shows every one.</p>\n");
        html.Append("</section>\n");
    }

    private static void WriteHosts(StringBuilder html, ResetStatistics resets)
    {
        var servers = ToActOn(resets.Servers);
        var clients = ToActOn(resets.Clients);
        if (servers.Count + clients.Count == 0)
            return;
        html.Append("<section id=\"hosts\">\n<h2>Hosts with the most resets to act on</h2>\n<div class=\"hosts\">\n");
        HostTable(html, "Servers", servers);
        HostTable(html, "Clients", clients);
        html.Append("</div>\n</section>\n");
    }

    private static List<HostResetStatistics> ToActOn(IEnumerable<HostResetStatistics> hosts) =>
        hosts.Where(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious) > 0)
            .OrderByDescending(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious))
            .ThenByDescending(h => h.PeakResetsPerSecond).ThenBy(h => h.Address)
            .Take(TopHosts).ToList();

    private static void HostTable(StringBuilder html, string title, List<HostResetStatistics> hosts)
    {
        if (hosts.Count == 0)
            return;
        html.Append("<div><h3>").Append(title).Append("</h3><table class=\"small\"><thead><tr><th>host</th><th class=\"n\">actionable</th><th class=\"n\">suspicious</th>" +
                    "<th class=\"n\">benign</th><th class=\"n\">sent</th><th class=\"n\">received</th><th class=\"n\">peak/s</th><th>main cause</th></tr></thead><tbody>\n");
        foreach (HostResetStatistics host in hosts)
        {
            var main = host.ByCause.OrderByDescending(p => p.Value).First();
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"mono\">{HtmlText.Escape(IpAddress128.Format(host.Address))}</td>" +
                                                      $"<td class=\"n\">{Count(host.Count(Verdict.Actionable))}</td><td class=\"n\">{Count(host.Count(Verdict.Suspicious))}</td>" +
                                                      $"<td class=\"n\">{Count(host.Count(Verdict.Benign))}</td><td class=\"n\">{Count(host.ResetsSent)}</td>" +
                                                      $"<td class=\"n\">{Count(host.ResetsReceived)}</td><td class=\"n\">{Count(host.PeakResetsPerSecond)}</td>" +
                                                      $"<td>{main.Key.ToKebabCase()} ({HtmlText.N(main.Value)})</td></tr>\n");
        }
        html.Append("</tbody></table></div>\n");
    }

    private static void WriteRaceGroups(StringBuilder html, int raceGroups, HtmlReportRows rows)
    {
        IReadOnlyList<HtmlRaceGroup> groups = rows.RaceGroups();
        if (groups.Count == 0)
            return;
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"races\">\n<h2>Race groups ({HtmlText.N(raceGroups)})</h2>\n");
        html.Append("<p class=\"note\">A client that opens ports 139 and 445 of a server at once (Windows does) or several parallel connects to one service keeps one " +
                    "connection and drops the others: the losers' resets are benign. Each group with its winner and loser(s) and the measured gaps.</p>\n");
        // Many groups would push the table of connections far down: then they are folded.
        html.Append(groups.Count > 10 ? $"<details><summary>Show the {HtmlText.N(groups.Count)} groups</summary>\n" : "<div>\n");
        html.Append("<table class=\"small\" id=\"race-groups\"><thead><tr><th>group</th><th>kind</th><th>first</th><th>client</th><th>server</th><th>winner</th><th>loser(s)</th><th>gaps</th></tr></thead><tbody>\n");
        foreach (HtmlRaceGroup g in groups)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"n\">{g.Id}</td><td class=\"nowrap\">{(g.Kind == RaceKind.Smb139And445 ? "SMB 139/445" : "parallel connect")}</td>" +
                                                      $"<td class=\"mono nowrap\">{HtmlText.Time(g.Time)}</td><td class=\"mono\">{HtmlText.Escape(g.Client)}</td><td class=\"mono\">{HtmlText.Escape(g.Server)}</td>" +
                                                      $"<td class=\"mono\">{HtmlText.Escape(g.Winner ?? "")}</td><td class=\"mono\">{HtmlText.Escape(string.Join(", ", g.Losers))}</td>" +
                                                      $"<td>{HtmlText.Escape(string.Join("; ", g.Details.Where(d => d.Length > 0)))}</td></tr>\n");
        }
        html.Append("</tbody></table>\n").Append(groups.Count > 10 ? "</details>\n" : "</div>\n");
        if (rows.RaceGroupsNotKept > 0)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{HtmlText.N(rows.RaceGroupsNotKept)} more race losers in groups beyond the first {HtmlText.N(HtmlReportRows.MaxRaceGroups)} are not listed here; the exports have their race_group column.</p>\n");
        html.Append("</section>\n");
    }

    private static void Item(StringBuilder html, string label, string text) =>
        html.Append("<dt>").Append(HtmlText.Escape(label)).Append("</dt><dd>").Append(HtmlText.Escape(text)).Append("</dd>\n");

    private static string Count(long value) => value == 0 ? "." : HtmlText.N(value);
}
