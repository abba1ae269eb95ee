using System.Globalization;
using System.Text.RegularExpressions;

namespace PcapResetInspector.Core.Logs;

/// <summary>A time found in a log line: as written, the zone offset when the line names one, and where it was.</summary>
internal readonly record struct LogTime(DateTime Local, TimeSpan? Offset, int Index, int Length);

/// <summary>
/// The timestamp shapes of the supported logs: ISO 8601 (RFC 5424, journalctl short-iso, logback/log4j,
/// PostgreSQL %m/%t with a zone abbreviation), Samba and nginx "YYYY/MM/DD HH:MM:SS", Apache's ctime in
/// brackets, and the RFC 3164 syslog "Mmm dd HH:MM:SS" that has no year.
/// </summary>
internal static partial class LogTimestamps
{
    private const string Months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";

    [GeneratedRegex(@"(?<![\d.:])(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})[T ](?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?(?:(?<z>Z|[+-]\d{2}(?::?\d{2})?)\b| (?<abbr>[A-Z]{2,5}\b|[+-]\d{2}(?:\d{2})?\b))?", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();

    [GeneratedRegex(@"(?<![\d.:/])(?<y>\d{4})/(?<mo>\d{2})/(?<d>\d{2}) (?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?:\.(?<f>\d{1,9}))?", RegexOptions.CultureInvariant)]
    private static partial Regex Slashed();

    // Apache httpd: [Mon Mar 11 09:00:01.123456 2024], %{cuz}t may add a numeric zone (server/log.c log_ctime).
    [GeneratedRegex(@"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<mon>" + Months + @") {1,2}(?<d>\d{1,2}) (?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?:\.(?<f>\d{1,9}))? (?<y>\d{4})(?: (?<z>[+-]\d{4}))?\]", RegexOptions.CultureInvariant)]
    private static partial Regex Ctime();

    // RFC 3164 and journalctl short/short-precise: no year, no zone.
    [GeneratedRegex(@"(?<![A-Za-z])(?<mon>" + Months + @") {1,2}(?<d>\d{1,2}) (?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?:\.(?<f>\d{1,9}))?(?![\d:])", RegexOptions.CultureInvariant)]
    private static partial Regex Syslog();

    /// <summary>Cheap test that a line has any timestamp at all; no allocation.</summary>
    public static bool HasAny(ReadOnlySpan<char> line) =>
        Iso().IsMatch(line) || Slashed().IsMatch(line) || Syslog().IsMatch(line);

    /// <summary>The leftmost valid timestamp in the text, the RFC 3164 year taken from <paramref name="years"/>.</summary>
    public static LogTime? Find(string text, SyslogYear years)
    {
        LogTime? best = null;
        Consider(ref best, FromMatch(Iso().Match(text), years));
        Consider(ref best, FromMatch(Slashed().Match(text), years));
        Consider(ref best, FromMatch(Ctime().Match(text), years));
        if (best is not { Index: 0 })
        {
            Consider(ref best, FromMatch(Syslog().Match(text), years));
        }
        return best;
    }

    /// <summary>A timestamp that starts exactly at <paramref name="index"/>.</summary>
    public static LogTime? At(string text, int index, SyslogYear years)
    {
        foreach (Regex regex in (ReadOnlySpan<Regex>)[Iso(), Slashed(), Ctime(), Syslog()])
        {
            Match match = regex.Match(text, index);
            if (match.Success && match.Index == index && FromMatch(match, years) is LogTime time)
            {
                return time;
            }
        }
        return null;
    }

    private static void Consider(ref LogTime? best, LogTime? candidate)
    {
        if (candidate is LogTime found && (best is null || found.Index < best.Value.Index))
        {
            best = found;
        }
    }

    private static LogTime? FromMatch(Match match, SyslogYear years)
    {
        if (!match.Success)
        {
            return null;
        }
        GroupCollection g = match.Groups;
        int month = g["mo"].Success ? Number(g["mo"]) : 1 + (Months.IndexOf(g["mon"].Value, StringComparison.Ordinal) / 4);
        int day = Number(g["d"]);
        int hour = Number(g["h"]), minute = Number(g["mi"]), second = Number(g["s"]);
        int year = g["y"].Success ? Number(g["y"]) : years.Resolve(month, day);
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month)
            || hour > 23 || minute > 59 || second > 60 || year is < 1970 or > 9999)
        {
            return null;
        }
        // A leap second is written as :60; it is kept as the last tick of :59.
        var local = new DateTime(year, month, day, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified);
        if (second == 60)
        {
            local = local.AddTicks(TimeSpan.TicksPerSecond - 1);
        }
        if (g["f"].Success)
        {
            string digits = g["f"].Value;
            digits = digits.Length > 7 ? digits[..7] : digits.PadRight(7, '0');
            local = local.AddTicks(long.Parse(digits, CultureInfo.InvariantCulture));
        }
        TimeSpan? offset = g["z"].Success ? NumericZone(g["z"].Value)
            : g["abbr"].Success ? Abbreviation(g["abbr"].Value) : null;
        int length = match.Length;
        if (g["abbr"].Success && offset is null)
        {
            // An unknown word after the time ("INFO", "LOG") is no zone; leave it out of the timestamp.
            length = g["abbr"].Index - 1 - match.Index;
        }
        if (g["y"].Success)
        {
            years.Observe(year, month);
        }
        return new LogTime(local, offset, match.Index, length);
    }

    private static int Number(Group group) => int.Parse(group.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    private static TimeSpan? NumericZone(string zone)
    {
        if (zone == "Z")
        {
            return TimeSpan.Zero;
        }
        string digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
        int hours = int.Parse(digits.AsSpan(0, 2), CultureInfo.InvariantCulture);
        int minutes = digits.Length >= 4 ? int.Parse(digits.AsSpan(2, 2), CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59)
        {
            return null;
        }
        var span = new TimeSpan(hours, minutes, 0);
        return zone[0] == '-' ? -span : span;
    }

    // Only abbreviations with one meaning: CST (US or China), IST (India, Ireland, Israel) and BST are
    // ambiguous and give no offset. PostgreSQL writes %Z of log_timezone, so these are what it prints.
    private static TimeSpan? Abbreviation(string abbreviation) => abbreviation switch
    {
        "UTC" or "GMT" or "UT" or "Z" or "WET" => TimeSpan.Zero,
        "CET" or "WEST" => TimeSpan.FromHours(1),
        "CEST" or "EET" => TimeSpan.FromHours(2),
        "EEST" or "MSK" => TimeSpan.FromHours(3),
        "EDT" => TimeSpan.FromHours(-4),
        "EST" or "CDT" => TimeSpan.FromHours(-5),
        "MST" => TimeSpan.FromHours(-7),
        "MDT" => TimeSpan.FromHours(-6),
        "PST" => TimeSpan.FromHours(-8),
        "PDT" => TimeSpan.FromHours(-7),
        "JST" or "KST" => TimeSpan.FromHours(9),
        "AEST" => TimeSpan.FromHours(10),
        "AEDT" => TimeSpan.FromHours(11),
        _ when abbreviation[0] is '+' or '-' => NumericZone(abbreviation),
        _ => null,
    };
}

/// <summary>
/// The year for RFC 3164 timestamps, which have none. A year seen earlier in the same file wins (a syslog
/// line between dated lines belongs to their year); otherwise the reference date (the file's modification
/// time, or today for a stream) gives it, one year back when the day would lie after the reference date,
/// since a log cannot hold lines written after it was last modified.
/// </summary>
internal sealed class SyslogYear(DateTime reference)
{
    private int _seenYear;
    private int _seenMonth;

    public void Observe(int year, int month)
    {
        _seenYear = year;
        _seenMonth = month;
    }

    public int Resolve(int month, int day)
    {
        if (_seenYear != 0)
        {
            // December lines followed by January ones without a full date in between: the year turned.
            return month < _seenMonth - 6 ? _seenYear + 1 : _seenYear;
        }
        int year = reference.Year;
        if (month > reference.Month || (month == reference.Month && day > reference.Day + 1))
        {
            year--;
        }
        return year;
    }
}
