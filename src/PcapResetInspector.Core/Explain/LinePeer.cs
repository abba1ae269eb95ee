using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// The remote party a log line is about, as the logging host saw it: usually its client; for a proxy's
/// upstream error, the server it was talking to. A Samba log named after the client's NetBIOS name
/// (log.%m) names it through the name learnt from session requests on port 139.
/// </summary>
internal readonly record struct LinePeer(IpAddress128? Address, ushort? Port, bool AsClient, string? UnknownName)
{
    public bool IsKnown => Address is not null;

    /// <summary>The well-known ports of the service that writes this kind of log, to narrow a match by time; null when it could be any.</summary>
    public static ushort[]? ServicePorts(LogFormat format) => format switch
    {
        LogFormat.Samba => [445, 139],
        LogFormat.Sshd => [22],
        LogFormat.PostgreSql => [5432],
        _ => null,
    };

    public static LinePeer Of(LogResetLine line, IReadOnlyDictionary<string, IpAddress128> netBiosNames)
    {
        if (line.ClientAddress is { } client)
            return new LinePeer(client, line.ClientPort, true, null);
        if (line.ClientName is { Length: > 0 } name)
        {
            return netBiosNames.TryGetValue(name, out IpAddress128 address)
                ? new LinePeer(address, null, true, null)
                : new LinePeer(null, null, true, name);
        }
        if (line.ServerAddress is { } server && line.Format is LogFormat.Nginx or LogFormat.Apache)
            return new LinePeer(server, line.ServerPort, false, null);
        return new LinePeer(null, null, true, null);
    }
}

/// <summary>The window of connection event times that a line written at a local time can be about.</summary>
internal static class LineWindow
{
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>The line's local time as ns since the epoch, as if it were UTC.</summary>
    public static long LocalNanos(LogResetLine line) => (line.LocalTime.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>
    /// A line is written just after the event, in a timestamp cut to its precision (whole seconds unless
    /// the line shows a fraction); the clocks of the logging host and the capture point may differ by
    /// <paramref name="skew"/> either way.
    /// </summary>
    public static (long From, long To) Around(LogResetLine line, long utcNanos, long skew)
    {
        long precision = line.LocalTime.Ticks % TimeSpan.TicksPerSecond == 0 ? NanosPerSecond : NanosPerSecond / 1000;
        return (utcNanos - skew, utcNanos + precision + skew);
    }
}
