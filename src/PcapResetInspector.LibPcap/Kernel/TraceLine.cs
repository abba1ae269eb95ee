using System.Globalization;
using System.Net;
using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// A socket of this host leaving for TCP_CLOSE (sock:inet_sock_set_state), its addresses as the socket sees them:
/// when it follows a tcp_receive_reset of the same socket, <see cref="OldState"/> is the state the RST found it in.
/// </summary>
public sealed record SocketClose(long TimeNanos, IpAddress128 LocalAddress, ushort LocalPort, IpAddress128 RemoteAddress, ushort RemotePort, string OldState);

/// <summary>
/// One line of trace_pipe for tcp_send_reset, tcp_receive_reset or inet_sock_set_state, parsed by the fields their
/// print fmts name (include/trace/events/tcp.h, sock.h): "src=IP:PORT dest=IP:PORT state=S reason=R" (IPv6 as
/// [IP]:PORT), and "family=F [protocol=P] sport=P dport=P saddr=… daddr=… saddrv6=… daddrv6=… [oldstate=S newstate=S]".
/// </summary>
public static class TraceLine
{
    private const string SendEvent = ": tcp_send_reset: ";
    private const string ReceiveEvent = ": tcp_receive_reset: ";
    private const string StateEvent = ": inet_sock_set_state: ";

    /// <param name="clockOffsetNanos">Added to the trace clock (mono) to give ns since the epoch.</param>
    public static bool TryParse(string line, long clockOffsetNanos, out KernelResetEvent? result)
    {
        ArgumentNullException.ThrowIfNull(line);
        result = null;
        int at = line.IndexOf(SendEvent, StringComparison.Ordinal);
        bool sent = at >= 0;
        if (!sent && (at = line.IndexOf(ReceiveEvent, StringComparison.Ordinal)) < 0)
            return false;
        if (!TryParseTime(line, at, clockOffsetNanos, out long time))
            return false;
        Dictionary<string, string> f = Fields(line[(at + (sent ? SendEvent.Length : ReceiveEvent.Length))..]);
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
        if (!TryParseSocket(f, out IpAddress128 la, out ushort lp, out IpAddress128 ra, out ushort rp))
            return false;
        result = new KernelResetEvent(time, KernelResetDirection.Received, la, lp, ra, rp, null, null);
        return true;
    }

    /// <summary>Whether the line is an inet_sock_set_state event (cheap: the reader parses it only when it waits for one).</summary>
    public static bool IsStateChange(string line) => line.Contains(StateEvent, StringComparison.Ordinal);

    /// <summary>An inet_sock_set_state line of a TCP socket going to TCP_CLOSE.</summary>
    public static bool TryParseClose(string line, long clockOffsetNanos, out SocketClose? result)
    {
        ArgumentNullException.ThrowIfNull(line);
        result = null;
        int at = line.IndexOf(StateEvent, StringComparison.Ordinal);
        if (at < 0 || !TryParseTime(line, at, clockOffsetNanos, out long time))
            return false;
        Dictionary<string, string> f = Fields(line[(at + StateEvent.Length)..]);
        if (f.GetValueOrDefault("protocol") != "IPPROTO_TCP" || f.GetValueOrDefault("newstate") != "TCP_CLOSE" ||
            f.GetValueOrDefault("oldstate") is not { } old || !TryParseSocket(f, out IpAddress128 la, out ushort lp, out IpAddress128 ra, out ushort rp))
            return false;
        result = new SocketClose(time, la, lp, ra, rp, old);
        return true;
    }

    /// <summary>The timestamp is the last word before the event's name (the task's name before it may hold spaces).</summary>
    private static bool TryParseTime(string line, int at, long clockOffsetNanos, out long time)
    {
        int start = line.LastIndexOf(' ', Math.Max(0, at - 1)) + 1;
        bool parsed = TryParseSeconds(line.AsSpan(start, Math.Max(0, at - start)), out long nanos);
        time = nanos + clockOffsetNanos;
        return parsed;
    }

    /// <summary>The socket's own addresses (saddr/sport are its local side), by family.</summary>
    private static bool TryParseSocket(Dictionary<string, string> f, out IpAddress128 local, out ushort localPort,
        out IpAddress128 remote, out ushort remotePort)
    {
        (local, localPort, remote, remotePort) = (default, 0, default, 0);
        bool v6 = f.GetValueOrDefault("family") == "AF_INET6";
        if (!f.TryGetValue(v6 ? "saddrv6" : "saddr", out string? l) || !f.TryGetValue(v6 ? "daddrv6" : "daddr", out string? r) ||
            !IPAddress.TryParse(l, out IPAddress? la) || !IPAddress.TryParse(r, out IPAddress? ra) ||
            !ushort.TryParse(f.GetValueOrDefault("sport"), NumberStyles.None, CultureInfo.InvariantCulture, out localPort) ||
            !ushort.TryParse(f.GetValueOrDefault("dport"), NumberStyles.None, CultureInfo.InvariantCulture, out remotePort))
            return false;
        (local, remote) = (IpAddress128.FromIPAddress(la), IpAddress128.FromIPAddress(ra));
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
