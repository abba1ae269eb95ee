using System.Globalization;

namespace PcapResetInspector.Cli.Options;

/// <summary>Parsing of --time-zone, --start and --end.</summary>
public static class TimeOptions
{
    /// <summary>"utc" (null: the default), "local" (this machine's zone, daylight saving included), or an offset: +01:00, -0530, +5.</summary>
    public static bool TryParseZone(string text, out TimeZoneInfo? zone)
    {
        zone = null;
        switch (text.Trim().ToLowerInvariant())
        {
            case "utc" or "z":
                return true;
            case "local":
                zone = TimeZoneInfo.Local;
                return true;
        }
        if (!TryParseOffset(text, out TimeSpan offset))
            return false;
        string name = "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);
        zone = TimeZoneInfo.CreateCustomTimeZone(name, offset, name, name);
        return true;
    }

    /// <summary>
    /// A window bound: "+90s" or "+5m" (from the first packet), epoch seconds ("1710144000.25"), or an
    /// ISO 8601 date and time with a zone ("2024-03-11T08:00:00Z", "...+01:00") or without one (then in
    /// <paramref name="zone"/>, UTC when null).
    /// </summary>
    public static bool TryParseBound(string text, TimeZoneInfo? zone, out long nanos, out bool relative)
    {
        text = text.Trim();
        relative = false;
        nanos = 0;
        if (text.StartsWith('+'))
        {
            relative = true;
            if (!DurationText.TryParse(text[1..], out TimeSpan after) || after < TimeSpan.Zero)
                return false;
            nanos = after.Ticks * 100;
            return true;
        }
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal seconds) && !text.Contains('-'))
        {
            if (seconds > 9_000_000_000m)
                return false;
            nanos = (long)(seconds * 1_000_000_000m);
            return true;
        }
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd"];
        if (!DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out DateTime parsed))
            return false;
        DateTime utc = parsed.Kind switch
        {
            DateTimeKind.Utc => parsed,
            DateTimeKind.Local => parsed.ToUniversalTime(), // it carried an offset: the parser moved it to this machine's zone
            _ => zone is null ? DateTime.SpecifyKind(parsed, DateTimeKind.Utc) : TimeZoneInfo.ConvertTimeToUtc(parsed, zone),
        };
        nanos = (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        return true;
    }

    /// <summary>"+01:00", "-0530", "+1", "Z" or "UTC".</summary>
    public static bool TryParseOffset(string text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        text = text.Trim();
        if (text is "Z" or "z" or "UTC" or "utc" or "0")
            return true;
        if (text.Length < 2 || text[0] is not ('+' or '-'))
            return false;
        string body = text[1..].Replace(":", "", StringComparison.Ordinal);
        if (body.Length is not (1 or 2 or 4) || !body.All(char.IsAsciiDigit))
            return false;
        int hours = int.Parse(body.Length == 4 ? body[..2] : body, CultureInfo.InvariantCulture);
        int minutes = body.Length == 4 ? int.Parse(body[2..], CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60)
            return false;
        offset = new TimeSpan(hours, minutes, 0) * (text[0] == '-' ? -1 : 1);
        return true;
    }
}
