using System.Globalization;
using System.Text;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// Text made safe for the page. Evidence and names can carry bytes an attacker put in a packet: controls
/// become \xNN as on the terminal, a lone surrogate becomes U+FFFD (it has no UTF-8 form), and the five
/// characters HTML gives a meaning are written as entities.
/// </summary>
internal static class HtmlText
{
    /// <summary>For element content and attribute values alike (quotes included).</summary>
    public static string Escape(string? text, bool keepNewlines = false)
    {
        string clean = keepNewlines
            ? string.Join('\n', (text ?? "").Split('\n').Select(Plain))
            : Plain(text);
        if (clean.AsSpan().IndexOfAny("&<>\"'") < 0)
            return clean;
        var html = new StringBuilder(clean.Length + 16);
        foreach (char c in clean)
        {
            html.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }
        return html.ToString();
    }

    public static string Attribute(string? text) => Escape(text);

    /// <summary>Controls shown as \xNN, lone surrogates replaced: text that is safe to print and to encode.</summary>
    public static string Plain(string? text)
    {
        string safe = SafeText.Escape(text);
        for (int i = 0; i < safe.Length; i++)
        {
            if (char.IsSurrogate(safe[i]) && !(char.IsHighSurrogate(safe[i]) && i + 1 < safe.Length && char.IsLowSurrogate(safe[i + 1])))
                return ReplaceLoneSurrogates(safe);
            if (char.IsHighSurrogate(safe[i]))
                i++;
        }
        return safe;
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
                continue;
            }
            clean.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return clean.ToString();
    }

    /// <summary>ISO 8601 UTC with microseconds, as the exports write times.</summary>
    public static string Time(long nanos) => ConnectionText.FormatIso(nanos);

    /// <summary>"1 ms", "30 s", "5 min", "6 h", "7 d": a bucket width as people say it.</summary>
    public static string Duration(long nanos)
    {
        (long unit, string name)[] units = [(86_400_000_000_000, "d"), (3_600_000_000_000, "h"), (60_000_000_000, "min"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs")];
        foreach (var (unit, name) in units)
        {
            if (nanos >= unit && nanos % unit == 0)
                return (nanos / unit).ToString(CultureInfo.InvariantCulture) + " " + name;
        }
        return nanos.ToString(CultureInfo.InvariantCulture) + " ns";
    }

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
