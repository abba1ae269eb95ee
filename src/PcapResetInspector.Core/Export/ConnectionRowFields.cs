using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>How a tabular format writes each kind of field of a connection row (CSV as text, Parquet as typed columns).</summary>
internal interface IConnectionRowFields
{
    /// <summary>Text that may be absent (an empty CSV field, a Parquet null).</summary>
    void Text(string? value);

    /// <summary>Text this tool formatted itself (Community ID, Wireshark filter): nothing to quote.</summary>
    void Formatted(ReadOnlySpan<char> value);

    void Address(IpAddress128? address);

    void Port(ushort port);

    void Count(ulong value);

    void OptionalNumber(int? value);

    /// <summary>A point in time (ns since the epoch), absent when null.</summary>
    void Time(long? nanos);

    /// <summary>Seconds with six decimals: epoch seconds or an interval.</summary>
    void Seconds(long nanos);
}

/// <summary>
/// The one list of a connection row's fields, in the order of <see cref="CsvConnectionWriter.Columns"/>:
/// the CSV and Parquet writers both write from it, so a column is added in one place.
/// </summary>
internal static class ConnectionRow
{
    public static void Write<TFields>(TFields f, ConnectionSummary c, ResetDiagnosis? d, ResetParty clientParty)
        where TFields : IConnectionRowFields
    {
        EndpointSummary client = clientParty == ResetParty.Originator ? c.Originator : c.Responder;
        EndpointSummary server = clientParty == ResetParty.Originator ? c.Responder : c.Originator;
        f.Text(c.Uid);
        f.Time(c.StartTime);
        f.Seconds(c.StartTime);
        f.Seconds(c.DurationNanos);
        f.Address(client.Address);
        f.Port(client.Port);
        f.Address(server.Address);
        f.Port(server.Port);
        f.Address(c.Originator.Address);
        f.Port(c.Originator.Port);
        f.Address(c.Responder.Address);
        f.Port(c.Responder.Port);
        f.Text(c.ConnState);
        f.Text(c.History);
        f.Count(c.Originator.Packets);
        f.Count(c.Originator.Size);
        f.Count(c.Originator.IpBytes);
        f.Count(c.Responder.Packets);
        f.Count(c.Responder.Size);
        f.Count(c.Responder.IpBytes);
        f.Count(c.MissedBytes);
        f.Text(d?.ResetBy?.ToZeekName());
        f.Text(d?.ResetByRole?.ToKebabCase());
        f.Time(d is not null && d.ResetTime != 0 ? d.ResetTime : null);
        f.Text(d?.Stage?.ToKebabCase());
        f.Text(d?.Cause.ToKebabCase());
        f.Text(d?.Verdict.ToKebabCase());
        f.Text(d?.Confidence.ToKebabCase());
        f.Text(d?.Evidence);
        f.Text(d?.LogHint);
        f.OptionalNumber(d?.RaceGroupId);
        f.Text(d?.RaceKind?.ToKebabCase());
        f.Text(d?.RaceVariant?.ToString());
        f.Text(d?.SiblingUid);
        f.Text(d?.PriorUid);
        f.Text(d?.FindingId);
        Span<char> text = stackalloc char[ConnectionText.MaxWiresharkFilterLength];
        ConnectionText.TryWriteCommunityId(c, text, out int length);
        f.Formatted(text[..length]);
        ConnectionText.TryWriteWiresharkFilter(c, text, out length);
        f.Formatted(text[..length]);
        TunnelRecord? tunnel = c.Tunnel;
        f.Text(tunnel?.KindName);
        f.Text(tunnel?.Uid);
        f.Address(tunnel?.OuterOriginator);
        f.Address(tunnel?.OuterResponder);
        f.Text(d?.Kernel?.Reason);
        f.Text(d?.Kernel?.State);
        f.Text(d?.InferredKernelReason);
        f.Text(d?.WireCause?.ToKebabCase());
        f.Text(d?.KernelReceived?.State);
    }
}
