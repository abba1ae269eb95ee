using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Logs;

/// <summary>An address, and a port when the text gave one.</summary>
internal readonly record struct LogEndpoint(IpAddress128 Address, ushort? Port);

/// <summary>
/// Parsing of the address forms log lines use. IPAddress.TryParse alone is too lenient ("1" is 0.0.0.1),
/// so IPv4 must be a dotted quad; IPv4-mapped IPv6 becomes the IPv4 address (IpAddress128 stores both alike),
/// and the unspecified addresses (0.0.0.0, ::) mean "unknown", as in Samba 3's "client 0.0.0.0".
/// </summary>
internal static partial class LogAddresses
{
    // [IPv6]:port, IPv4:port, "addr port N" (OpenSSH), "addr(port)" (PostgreSQL %r), then bare addresses.
    [GeneratedRegex(@"\[(?<a>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%\w]*)\]:(?<p>\d{1,5})(?!\d)|(?<![\w.:])(?<a>\d{1,3}(?:\.\d{1,3}){3}):(?<p>\d{1,5})(?![\d.:])|(?<![\w.:])(?<a>[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*) port (?<p>\d{1,5})\b|(?<![\w.:])(?<a>[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*)\((?<p>\d{1,5})\)", RegexOptions.CultureInvariant)]
    private static partial Regex WithPort();

    // A bare address is bounded by characters no address or version string continues with, so "v1.2.3.4",
    // "1.2.3.4.5" and times like 09:00:01 are not taken for one.
    [GeneratedRegex(@"(?<![\w.:/-])(?<a>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?)(?![\w.:/-])", RegexOptions.CultureInvariant)]
    private static partial Regex Bare();

    /// <summary>A strictly shaped address; null for anything else, and for 0.0.0.0 and ::.</summary>
    public static IpAddress128? Parse(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }
        if (text.IsEmpty || text.Length > 64)
        {
            return null;
        }
        if (text.Contains(':'))
        {
            // IPv6 needs "::" or all eight groups; this keeps clock times (09:00:01) out.
            if (!text.Contains("::", StringComparison.Ordinal) && text.Count(':') < 7 && !text.Contains('.'))
            {
                return null;
            }
        }
        else if (!IsDottedQuad(text))
        {
            return null;
        }
        if (!IPAddress.TryParse(text, out IPAddress? address))
        {
            return null;
        }
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return null;
        }
        return IpAddress128.FromIPAddress(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    public static ushort? Port(ReadOnlySpan<char> text) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) && port != 0 ? port : null;

    /// <summary>"host:port" with the port after the last colon (Apache 2.4 and Samba write IPv6 unbracketed).</summary>
    public static LogEndpoint? ParseLastColonPort(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.Length > 0 && text[0] == '[')
        {
            int close = text.IndexOf("]:", StringComparison.Ordinal);
            return close > 0 && Parse(text[1..close]) is IpAddress128 v6 ? new LogEndpoint(v6, Port(text[(close + 2)..])) : null;
        }
        int colon = text.LastIndexOf(':');
        if (colon > 0 && Port(text[(colon + 1)..]) is ushort port && Parse(text[..colon]) is IpAddress128 address)
        {
            return new LogEndpoint(address, port);
        }
        return Parse(text) is IpAddress128 bare ? new LogEndpoint(bare, null) : null;
    }

    /// <summary>
    /// The first endpoint in free text: forms with a port win over bare addresses, wherever they are, since
    /// a port is what names one connection.
    /// </summary>
    public static LogEndpoint? Find(string text)
    {
        foreach (Match match in WithPort().Matches(text))
        {
            if (Parse(match.Groups["a"].ValueSpan) is IpAddress128 address && Port(match.Groups["p"].ValueSpan) is ushort port)
            {
                return new LogEndpoint(address, port);
            }
        }
        foreach (Match match in Bare().Matches(text))
        {
            if (Parse(match.Groups["a"].ValueSpan) is IpAddress128 address)
            {
                return new LogEndpoint(address, null);
            }
        }
        return null;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            if (part.Length is 0 or > 3 || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 255)
            {
                return false;
            }
            parts++;
        }
        return parts == 4;
    }
}
