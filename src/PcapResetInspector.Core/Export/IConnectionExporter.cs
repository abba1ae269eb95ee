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
    public static string FormatIso(long nanos)
    {
        Span<char> text = stackalloc char[IsoLength];
        TryFormatIso(nanos, text, out int length);
        return new string(text[..length]);
    }

    /// <summary>ISO 8601 in <paramref name="zone"/>, with its offset at that instant: 2024-03-11T09:00:00.000000+01:00.</summary>
    public static string FormatIso(long nanos, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.UnixEpoch.AddTicks(FloorDiv(nanos, 1000) * 10), zone)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);

    /// <summary>Length of <see cref="FormatIso(long)"/>'s text for years 0001-9999.</summary>
    public const int IsoLength = 27;

    public static bool TryFormatIso(long nanos, Span<char> destination, out int charsWritten) =>
        DateTimeOffset.UnixEpoch.AddTicks(FloorDiv(nanos, 1000) * 10)
            .TryFormat(destination, out charsWritten, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>An address and port as Wireshark writes them: a.b.c.d:p, or [v6]:p.</summary>
    public static string Endpoint(IpAddress128 address, ushort port) =>
        IpAddress128.IsIPv4(address)
            ? IpAddress128.Format(address) + ":" + port.ToString(CultureInfo.InvariantCulture)
            : "[" + IpAddress128.Format(address) + "]:" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Room for any <see cref="TryWriteWiresharkFilter"/> text.</summary>
    // Per direction, with IPv6's longer field names: "(ipv6.src==" 11, " && tcp.srcport==" 17, " && ipv6.dst==" 14,
    // " && tcp.dstport==" 17, ")" 1, two ports of 5 digits and two addresses; " || " joins the directions.
    public const int MaxWiresharkFilterLength = 2 * (11 + 17 + 14 + 17 + 1 + 2 * 5 + 2 * IpAddress128.MaxTextLength) + 4;

    /// <summary>
    /// A Wireshark display filter for exactly this connection's packets: source and destination address and
    /// port paired up, in either direction. (ip.addr and tcp.port alone would also match a connection between
    /// the same hosts with the ports the other way round.)
    /// </summary>
    public static string WiresharkFilter(ConnectionSummary connection)
    {
        Span<char> text = stackalloc char[MaxWiresharkFilterLength];
        TryWriteWiresharkFilter(connection, text, out int length);
        return new string(text[..length]);
    }

    public static bool TryWriteWiresharkFilter(ConnectionSummary connection, Span<char> destination, out int charsWritten)
    {
        bool v4 = IpAddress128.IsIPv4(connection.Originator.Address);
        string src = v4 ? "ip.src" : "ipv6.src", dst = v4 ? "ip.dst" : "ipv6.dst";
        EndpointSummary a = connection.Originator, b = connection.Responder;
        return destination.TryWrite(CultureInfo.InvariantCulture,
            $"({src}=={a.Address} && tcp.srcport=={a.Port} && {dst}=={b.Address} && tcp.dstport=={b.Port}) || " +
            $"({src}=={b.Address} && tcp.srcport=={b.Port} && {dst}=={a.Address} && tcp.dstport=={a.Port})", out charsWritten);
    }

    public static string CommunityIdOf(ConnectionSummary connection) =>
        CommunityId.Compute(connection.Originator.Address, connection.Originator.Port, connection.Responder.Address, connection.Responder.Port);

    public static bool TryWriteCommunityId(ConnectionSummary connection, Span<char> destination, out int charsWritten) =>
        CommunityId.TryCompute(connection.Originator.Address, connection.Originator.Port, connection.Responder.Address, connection.Responder.Port,
            destination, out charsWritten);

    private static long FloorDiv(long value, long divisor)
    {
        long quotient = value / divisor;
        return value % divisor != 0 && value < 0 ? quotient - 1 : quotient;
    }
}
