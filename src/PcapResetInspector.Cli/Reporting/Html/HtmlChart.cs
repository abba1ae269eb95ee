using System.Globalization;
using System.Text;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// The timeline as hand-written SVG: one stacked bar per time bucket, by verdict or by cause, with UTC
/// times under it and a legend. Drawn from the counts alone; a bucket with nothing flagged has no bar.
/// </summary>
internal static class HtmlChart
{
    private const int Width = 1200, Height = 280, Left = 56, Right = 12, Top = 12, Bottom = 44;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    /// <summary>One stacked series: its name, its CSS class and its count in a bucket.</summary>
    internal sealed record Series(string Name, string CssClass, Func<TimelineBuckets, int, long> Count);

    public static IReadOnlyList<Series> ByVerdict(TimelineBuckets buckets) =>
        // Suspicious at the bottom of each bar, where a few stand out even under a tall benign stack.
        new[] { Verdict.Suspicious, Verdict.Actionable, Verdict.Benign }
            .Where(v => Enumerable.Range(0, buckets.Length).Any(i => buckets.Count(i, v) > 0))
            .Select(v => new Series(v.ToKebabCase(), "v-" + v.ToKebabCase(), (b, i) => b.Count(i, v)))
            .ToList();

    public static IReadOnlyList<Series> ByCause(TimelineBuckets buckets) =>
        Enum.GetValues<ResetCause>()
            .Where(c => Enumerable.Range(0, buckets.Length).Any(i => buckets.Count(i, c) > 0))
            .OrderBy(c => ConnectionGroups.Severity(c.UsualVerdict())).ThenBy(c => c)
            .Select(c => new Series(c.ToKebabCase(), "c-" + (int)c, (b, i) => b.Count(i, c)))
            .ToList();

    public static void Write(StringBuilder html, TimelineBuckets buckets, IReadOnlyList<Series> series, string id, string title)
    {
        long max = 0;
        for (int i = 0; i < buckets.Length; i++)
            max = Math.Max(max, buckets.Total(i));
        long step = NiceStep(Math.Max(max, 1));
        long top = Math.Max(step, (max + step - 1) / step * step);
        double barWidth = (double)PlotWidth / buckets.Length;

        html.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{HtmlText.Attribute(title)}\" data-buckets=\"{buckets.Length}\" data-width-ns=\"{buckets.Width}\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<title>{HtmlText.Escape(title)}</title>\n");
        // Horizontal grid lines with their counts.
        for (long value = 0; value <= top; value += step)
        {
            double y = Top + PlotHeight - (PlotHeight * (double)value / top);
            html.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>");
            html.Append(CultureInfo.InvariantCulture, $"<text class=\"ylabel\" x=\"{Left - 6}\" y=\"{F(y + 4)}\">{value:N0}</text>\n");
        }
        for (int i = 0; i < buckets.Length; i++)
        {
            long total = buckets.Total(i);
            if (total == 0)
                continue;
            double x = Left + (i * barWidth);
            long start = buckets.Start + (i * buckets.Width);
            var tip = new StringBuilder();
            tip.Append(CultureInfo.InvariantCulture, $"{HtmlText.Time(start)} + {HtmlText.Duration(buckets.Width)}: {total:N0} flagged");
            html.Append(CultureInfo.InvariantCulture, $"<g class=\"bucket\" data-start=\"{HtmlText.Time(start)}\" data-total=\"{total}\">");
            double y = Top + PlotHeight;
            foreach (Series s in series)
            {
                long n = s.Count(buckets, i);
                if (n == 0)
                    continue;
                tip.Append(CultureInfo.InvariantCulture, $"\n{s.Name} {n:N0}");
                // At least a pixel: one reset beside a flood of thousands must still show.
                double h = Math.Max(1.5, PlotHeight * (double)n / top);
                y -= h;
                html.Append(CultureInfo.InvariantCulture,
                    $"<rect class=\"bar {s.CssClass}\" data-n=\"{n}\" x=\"{F(x + (barWidth * 0.08))}\" y=\"{F(y)}\" width=\"{F(Math.Max(0.8, barWidth * 0.84))}\" height=\"{F(h)}\"/>");
            }
            html.Append(CultureInfo.InvariantCulture, $"<title>{HtmlText.Escape(tip.ToString())}</title></g>\n");
        }
        WriteTimeAxis(html, buckets, barWidth);
        html.Append("</svg>\n");
        WriteLegend(html, series, buckets);
    }

    /// <summary>About seven labels at bucket boundaries; the date only where it changes.</summary>
    private static void WriteTimeAxis(StringBuilder html, TimelineBuckets buckets, double barWidth)
    {
        double y = Top + PlotHeight;
        html.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\"/>\n");
        int every = Math.Max(1, (int)Math.Ceiling(buckets.Length / 7.0));
        string? lastDate = null;
        for (int i = 0; i <= buckets.Length; i += every)
        {
            long time = buckets.Start + (i * buckets.Width);
            double x = Left + (i * barWidth);
            DateTimeOffset at = DateTimeOffset.UnixEpoch.AddTicks(TimelineCounts.FloorDiv(time, 100));
            string date = at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string clock = buckets.Width < 1_000_000_000 ? at.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)
                : at.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<line class=\"tick\" x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{y}\" y2=\"{y + 5}\"/>");
            html.Append(CultureInfo.InvariantCulture, $"<text class=\"xlabel\" x=\"{F(x)}\" y=\"{y + 18}\">{clock}</text>");
            if (date != lastDate)
                html.Append(CultureInfo.InvariantCulture, $"<text class=\"xlabel date\" x=\"{F(x)}\" y=\"{y + 32}\">{date}</text>");
            html.Append('\n');
            lastDate = date;
        }
        html.Append(CultureInfo.InvariantCulture, $"<text class=\"xlabel unit\" x=\"{Width - Right}\" y=\"{y + 32}\">UTC, {HtmlText.Duration(buckets.Width)} a bar</text>\n");
    }

    private static void WriteLegend(StringBuilder html, IReadOnlyList<Series> series, TimelineBuckets buckets)
    {
        html.Append("<ul class=\"legend\">");
        foreach (Series s in series)
        {
            long sum = 0;
            for (int i = 0; i < buckets.Length; i++)
                sum += s.Count(buckets, i);
            html.Append(CultureInfo.InvariantCulture, $"<li><span class=\"swatch {s.CssClass}\"></span>{HtmlText.Escape(s.Name)} <span class=\"n\">{sum:N0}</span></li>");
        }
        html.Append("</ul>\n");
    }

    /// <summary>1, 2 or 5 times a power of ten, about four grid lines to the top.</summary>
    private static long NiceStep(long max)
    {
        long step = 1;
        while (true)
        {
            foreach (long m in new long[] { 1, 2, 5 })
            {
                if (max / (step * m) <= 4)
                    return step * m;
            }
            step *= 10;
        }
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
