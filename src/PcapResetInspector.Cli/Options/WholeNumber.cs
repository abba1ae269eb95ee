using System.CommandLine.Parsing;
using System.Globalization;

namespace PcapResetInspector.Cli.Options;

/// <summary>
/// Validation of options that take a whole number. It reads the option's token, not its value: for a word that is
/// not a number (`--top many`) System.CommandLine's value conversion throws from inside a validator, which ended
/// the process with a stack trace instead of a usage error.
/// </summary>
internal static class WholeNumber
{
    /// <summary>An error with <paramref name="message"/> unless the option, when given, is a whole number in [min, max].</summary>
    public static Action<OptionResult> Between(long min, long max, string message) => result =>
    {
        if (result.Tokens.Count == 0)
            return; // not given: its default
        if (!TryRead(result, out long value) || value < min || value > max)
            result.AddError(message);
    };

    /// <summary>The option's number, when it was given one that parses.</summary>
    public static bool TryRead(OptionResult result, out long value)
    {
        value = 0;
        return result.Tokens is [var token] &&
               long.TryParse(token.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
