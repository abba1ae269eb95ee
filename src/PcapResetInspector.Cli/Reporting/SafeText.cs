using System.Globalization;
using System.Text;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// Text from outside (file names, interface names, filter expressions, messages quoting them) made safe
/// for a terminal: a name holding ESC could recolour, move the cursor or retitle the terminal, and a
/// newline could forge a second message. Every C0 control (tab included), DEL and C1 control becomes \xNN.
/// </summary>
public static class SafeText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text ?? "";
        int first = text.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
        int high = text.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
        if (first < 0 && high < 0)
            return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (IsControl(c))
                escaped.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static bool IsControl(char c) => c <= '\u001F' || c is >= '\u007F' and <= '\u009F';
}
