using System.CommandLine.Parsing;
using System.Globalization;

namespace PcapResetInspector.Cli.Options;

/// <summary>
/// Durations as people type them on command lines: "500ms", "1s", "1.5s", "10m", "2h", or a bare
/// number of seconds (as tshark's -a duration:N takes it).
/// </summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        string value = text.Trim();
        (string suffix, double secondsPerUnit)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        double scale = 1;
        foreach (var (suffix, secondsPerUnit) in units)
        {
            // "ms" comes first in the list, so "500ms" is not read as minutes or seconds.
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                value = value[..^suffix.Length];
                scale = secondsPerUnit;
                break;
            }
        }
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) ||
            double.IsNaN(amount) || double.IsInfinity(amount) || amount * scale > TimeSpan.MaxValue.TotalSeconds / 2)
            return false;
        duration = TimeSpan.FromSeconds(amount * scale);
        return true;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 1 && duration > TimeSpan.Zero
            ? duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
            : duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    /// <summary>An option validator: every value a positive duration.</summary>
    public static void ValidatePositive(OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (!TryParse(token.Value, out TimeSpan value) || value <= TimeSpan.Zero)
                result.AddError($"Invalid duration '{token.Value}' for {result.Option.Name}; use e.g. 500ms, 90s, 10m, 2h.");
        }
    }
}
