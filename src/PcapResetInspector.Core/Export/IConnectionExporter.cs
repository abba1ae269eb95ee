using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>One exporter per output format (CSV, JSON lines, Zeek conn.log), all fed the same rows.</summary>
public interface IConnectionExporter
{
    /// <summary>
    /// Writes one connection. <paramref name="diagnosis"/> is null for a connection with nothing to
    /// explain (listed only with --all); <paramref name="clientParty"/> says which side opened it.
    /// </summary>
    void Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty);

    /// <summary>Pushes what was written so far to the underlying writer (live captures call it per row).</summary>
    void Flush();

    /// <summary>Writes what the format puts at the end (Zeek's #close) and flushes; <paramref name="closeTime"/> is network time (ns).</summary>
    void Complete(long closeTime);
}

/// <summary>How times are written where a format leaves the choice (the table and JSON lines).</summary>
public enum TimeFormat
{
    /// <summary>Seconds since the Unix epoch with six decimals, as Zeek and tcpdump -tt write them.</summary>
    Epoch,

    /// <summary>ISO 8601 in UTC with microseconds, e.g. 2024-05-14T09:30:12.104221Z.</summary>
    Iso,
}

/// <summary>Text forms shared by the exporters.</summary>
public static class ConnectionText
{
    public static string FormatTime(long nanos, TimeFormat format) =>
        format == TimeFormat.Iso ? FormatIso(nanos) : ZeekConnLogWriter.FormatTime(nanos);

    /// <summary>ISO 8601, UTC, microseconds (what libpcap timestamps usually carry).</summary>
    public static string FormatIso(long nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks(FloorDiv(nanos, 1000) * 10)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>An address and port as Wireshark writes them: a.b.c.d:p, or [v6]:p.</summary>
    public static string Endpoint(IpAddress128 address, ushort port) =>
        IpAddress128.IsIPv4(address)
            ? IpAddress128.Format(address) + ":" + port.ToString(CultureInfo.InvariantCulture)
            : "[" + IpAddress128.Format(address) + "]:" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A Wireshark display filter for the connection's packets, in the shape of Wireshark's own
    /// "Conversation Filter" (both addresses and both ports, either direction).
    /// </summary>
    public static string WiresharkFilter(ConnectionSummary connection)
    {
        string field = IpAddress128.IsIPv4(connection.Originator.Address) ? "ip.addr" : "ipv6.addr";
        return field + "==" + IpAddress128.Format(connection.Originator.Address) +
               " && tcp.port==" + connection.Originator.Port.ToString(CultureInfo.InvariantCulture) +
               " && " + field + "==" + IpAddress128.Format(connection.Responder.Address) +
               " && tcp.port==" + connection.Responder.Port.ToString(CultureInfo.InvariantCulture);
    }

    public static string CommunityIdOf(ConnectionSummary connection) =>
        CommunityId.Compute(connection.Originator.Address, connection.Originator.Port, connection.Responder.Address, connection.Responder.Port);

    private static long FloorDiv(long value, long divisor)
    {
        long quotient = value / divisor;
        return value % divisor != 0 && value < 0 ? quotient - 1 : quotient;
    }
}
