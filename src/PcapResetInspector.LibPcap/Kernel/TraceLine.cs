using System.Globalization;
using System.Net;
using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// One line of trace_pipe for tcp_send_reset or tcp_receive_reset, parsed by the fields their print fmts name
/// (include/trace/events/tcp.h): "src=IP:PORT dest=IP:PORT state=S reason=R" (IPv6 as [IP]:PORT), and
/// "family=F sport=P dport=P saddr=… daddr=… saddrv6=… daddrv6=…".
/// </summary>
public static class TraceLine
{
    private const string SendEvent = ": tcp_send_reset: ";
    private const string ReceiveEvent = ": tcp_receive_reset: ";

    /// <param name="clockOffsetNanos">Added to the trace clock (mono) to give ns since the epoch.</param>
    public static bool TryParse(string line, long clockOffsetNanos, out KernelResetEvent? result)
    {
        ArgumentNullException.ThrowIfNull(line);
        result = null;
        int at = line.IndexOf(SendEvent, StringComparison.Ordinal);
        bool sent = at >= 0;
        if (!sent && (at = line.IndexOf(ReceiveEvent, StringComparison.Ordinal)) < 0)
            return false;
        // The timestamp is the last word before the event's name (the task's name before it may hold spaces).
        int start = line.LastIndexOf(' ', at - 1) + 1;
        if (!TryParseSeconds(line.AsSpan(start, at - start), out long nanos))
            return false;
        string fields = line[(at + (sent ? SendEvent.Length : ReceiveEvent.Length))..];
        Dictionary<string, string> f = Fields(fields);
        long time = nanos + clockOffsetNanos;
        if (sent)
        {
            if (!f.TryGetValue("src", out string? src) || !f.TryGetValue("dest", out string? dest) ||
                !TryParseEndpoint(src, out IpAddress128 sa, out ushort sp) || !TryParseEndpoint(dest, out IpAddress128 da, out ushort dp))
                return false;
            string? state = f.GetValueOrDefault("state");
            result = new KernelResetEvent(time, KernelResetDirection.Sent, sa, sp, da, dp,
                state is null or "UNKNOWN" ? null : state, f.GetValueOrDefault("reason"));
            return true;
        }
        bool v6 = f.GetValueOrDefault("family") == "AF_INET6";
        if (!f.TryGetValue(v6 ? "saddrv6" : "saddr", out string? local) || !f.TryGetValue(v6 ? "daddrv6" : "daddr", out string? remote) ||
            !IPAddress.TryParse(local, out IPAddress? la) || !IPAddress.TryParse(remote, out IPAddress? ra) ||
            !ushort.TryParse(f.GetValueOrDefault("sport"), NumberStyles.None, CultureInfo.InvariantCulture, out ushort lp) ||
            !ushort.TryParse(f.GetValueOrDefault("dport"), NumberStyles.None, CultureInfo.InvariantCulture, out ushort rp))
            return false;
        result = new KernelResetEvent(time, KernelResetDirection.Received, IpAddress128.FromIPAddress(la), lp,
            IpAddress128.FromIPAddress(ra), rp, null, null);
        return true;
    }

    private static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                fields[word[..eq]] = word[(eq + 1)..];
        }
        return fields;
    }

    /// <summary>"12345.678901" (seconds, then up to nanoseconds).</summary>
    internal static bool TryParseSeconds(ReadOnlySpan<char> text, out long nanos)
    {
        nanos = 0;
        int dot = text.IndexOf('.');
        if (dot <= 0 || text.Length - dot - 1 is < 1 or > 9 ||
            !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) ||
            !long.TryParse(text[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long fraction))
            return false;
        for (int digits = text.Length - dot - 1; digits < 9; digits++)
            fraction *= 10;
        nanos = seconds * 1_000_000_000 + fraction;
        return true;
    }

    /// <summary>%pISpc: "127.0.0.1:80" or "[::1]:80".</summary>
    internal static bool TryParseEndpoint(string text, out IpAddress128 address, out ushort port)
    {
        address = default;
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port))
            return false;
        ReadOnlySpan<char> host = text.AsSpan(0, colon);
        if (host.Length > 1 && host[0] == '[' && host[^1] == ']')
            host = host[1..^1];
        int scope = host.IndexOf('%');
        if (scope >= 0)
            host = host[..scope];
        if (!IPAddress.TryParse(host, out IPAddress? ip))
            return false;
        address = IpAddress128.FromIPAddress(ip);
        return true;
    }
}
