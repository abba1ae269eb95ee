using System.Globalization;
using System.Text;
using PcapResetInspector.Core.Explain;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>explain's part of the page: the summary sentence, each log's clock, and the reset lines with their connections.</summary>
internal static class HtmlExplainSection
{
    /// <summary>Lines listed on the page; the JSON and CSV rows have every one.</summary>
    private const int MaxLines = 5_000;

    public static void Write(StringBuilder html, ExplainReportData data)
    {
        html.Append("<section id=\"log-lines\">\n<h2>Log lines</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>{HtmlText.Escape(ExplainReport.Sentence(data.Matches))}</p>\n<ul class=\"small\">\n");
        foreach ((string path, _) in data.Logs)
        {
            string clock = data.Offsets.TryGetValue(path, out LogClockOffset? offset)
                ? $"clock UTC{ExplainRowWriter.OffsetText(offset.Offset)} ({offset.Source.ToString().ToLowerInvariant()}" +
                  (offset.Source == OffsetSource.Inferred ? $" from {HtmlText.N(offset.SupportingLines)} of {HtmlText.N(offset.LinesTried)} lines" : "") + ")"
                : "not used";
            html.Append(CultureInfo.InvariantCulture, $"<li><span class=\"mono\">{HtmlText.Escape(path)}</span>: {HtmlText.Escape(clock)}</li>\n");
        }
        html.Append("</ul>\n");
        if (data.Matches.Count == 0)
        {
            html.Append("</section>\n");
            return;
        }
        html.Append("<table class=\"small\" id=\"log-line-table\"><thead><tr><th>line</th><th>local time</th><th>message</th><th>match</th>" +
                    "<th>connection</th><th>cause</th><th>verdict</th><th>advice</th></tr></thead><tbody>\n");
        foreach (LogLineMatch match in data.Matches.Take(MaxLines))
        {
            CandidateConnection? single = match.Candidates.Count == 1 ? match.Candidates[0] : null;
            string connection = single is not null ? single.Uid
                : match.Candidates.Count > 1 ? $"{match.Candidates.Count} candidates: " + string.Join(" ", match.Candidates.Take(5).Select(c => c.Uid))
                : "";
            string verdict = LineAdvice.VerdictOf(match) is { } v ? v.ToString().ToLowerInvariant() : "";
            string cause = LineAdvice.CauseOf(match) is { } c1 ? LineAdvice.Short(c1) : "";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"match-{ExplainRowWriter.Name(match.Kind)}\"><td class=\"mono\">{HtmlText.Escape(Path.GetFileName(match.Line.File))}:{match.Line.LineNumber}</td>" +
                $"<td class=\"mono\">{match.Line.LocalTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}</td>" +
                $"<td>{HtmlText.Escape(match.Line.Message)}</td><td title=\"{HtmlText.Attribute(match.How)}\">{ExplainRowWriter.Name(match.Kind)}</td>" +
                $"<td class=\"mono\">{HtmlText.Escape(connection)}</td><td>{HtmlText.Escape(cause)}</td><td>{verdict}</td>" +
                $"<td>{HtmlText.Escape(LineAdvice.Sentence(match))}</td></tr>\n");
        }
        html.Append("</tbody></table>\n");
        if (data.Matches.Count > MaxLines)
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{HtmlText.N(data.Matches.Count - MaxLines)} more lines are not shown here; --format json or csv writes every one.</p>\n");
        html.Append("</section>\n");
    }
}
