using System.Globalization;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// How much of the input was analysed and why the rest was not, in the words of the report's first lines and of the
/// one-line message when nothing could be analysed: a report never says "no resets" without saying what it looked at.
/// </summary>
public static class CoverageText
{
    /// <summary>"4,120 of 5,000 packets (82.4%) analysed as TCP; 310 of them inside tunnels".</summary>
    public static string Analysed(CaptureStatistics stats)
    {
        string text = $"{N(stats.TcpSegments)} of {N(stats.Packets)} packets ({Percent(stats.TcpSegments, stats.Packets)}) analysed as TCP";
        return stats.TunnelledSegments > 0 ? text + $"; {N(stats.TunnelledSegments)} of them inside tunnels" : text;
    }

    /// <summary>"880 (not TCP 800, unsupported link type FDDI (10) 80)", or null when every packet was analysed.</summary>
    public static string? NotAnalysed(CaptureStatistics stats)
    {
        long skipped = stats.Decode.NotAnalysed;
        if (skipped <= 0)
            return null;
        return $"{N(skipped)} ({Reasons(stats)})";
    }

    /// <summary>Why nothing at all was analysed, in one line, or null when something was.</summary>
    public static string? NothingAnalysed(CaptureStatistics stats)
    {
        if (stats.TcpSegments > 0)
            return null;
        if (stats.Packets == 0)
            return "the input holds no packets";
        string packets = stats.Packets == 1 ? "the only packet held no" : $"none of the {N(stats.Packets)} packets held";
        return $"{packets} TCP this tool could decode ({Reasons(stats)})";
    }

    private static string Reasons(CaptureStatistics stats) =>
        string.Join(", ", stats.Decode.SkipReasons().Select(pair => pair.Key == DecodeStatus.UnsupportedLinkType
            ? UnsupportedLinkTypes(stats)
            : $"{Describe(pair.Key)} {N(pair.Value)}"));

    /// <summary>"unsupported link type FDDI (10) 1,333": named, so the user knows what to ask for.</summary>
    private static string UnsupportedLinkTypes(CaptureStatistics stats) =>
        string.Join(", ", stats.UnsupportedLinkTypes.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key)
            .Select(pair => $"unsupported link type {LinkTypeName(pair.Key)} {N(pair.Value)}"));

    private static string LinkTypeName(int linkType)
    {
        string name = LinkTypes.Name(linkType);
        return name.StartsWith("LINKTYPE_", StringComparison.Ordinal) ? name : $"{name} ({linkType.ToString(CultureInfo.InvariantCulture)})";
    }

    public static string Describe(DecodeStatus status) => status switch
    {
        DecodeStatus.NotIp => "not IP",
        DecodeStatus.NotTcp => "not TCP",
        DecodeStatus.Fragment => "non-first fragments",
        DecodeStatus.Truncated => "truncated",
        DecodeStatus.Malformed => "malformed",
        DecodeStatus.UnsupportedLinkType => "unsupported link type",
        DecodeStatus.TunnelNotFollowed => $"tunnels not followed (nested deeper than {PacketDecoder.MaxTunnelDepth})",
        _ => status.ToString(),
    };

    private static string Percent(long part, long whole) =>
        whole == 0 ? "0%" : (100.0 * part / whole).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
