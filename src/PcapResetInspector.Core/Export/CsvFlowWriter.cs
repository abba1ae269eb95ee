using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Flows;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Flagged (or all) connections as CSV: RFC 4180 (comma separated, CRLF line ends, fields with a
/// comma, quote or line break quoted, quotes doubled), one header row, invariant culture. The
/// columns are a stable interface documented in the README: add new ones at the end only.
/// A text field that a spreadsheet would take for a formula (leading = + - @ tab or CR) gets a
/// leading apostrophe, as OWASP's CSV injection advice says; numbers are left alone.
/// </summary>
public sealed class CsvFlowWriter : IFlowExporter, IDisposable
{
    public static readonly string[] Columns =
    [
        "uid", "start_time", "start_epoch", "duration",
        "client_addr", "client_port", "server_addr", "server_port",
        "orig_addr", "orig_port", "resp_addr", "resp_port",
        "conn_state", "history",
        "orig_pkts", "orig_bytes", "orig_ip_bytes", "resp_pkts", "resp_bytes", "resp_ip_bytes", "missed_bytes",
        "reset_by", "reset_by_role", "reset_time", "reset_stage",
        "cause", "verdict", "confidence", "evidence", "log_hint",
        "race_group", "race_kind", "race_variant", "race_sibling_uid", "prior_uid", "finding",
        "community_id", "wireshark_filter",
        "tunnel", "tunnel_uid", "outer_orig_addr", "outer_resp_addr",
    ];

    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly string[] _row = new string[Columns.Length];

    /// <param name="writeHeader">False when appending to a file that already has the header.</param>
    public CsvFlowWriter(TextWriter writer, bool leaveOpen = false, bool writeHeader = true)
    {
        _writer = writer;
        _leaveOpen = leaveOpen;
        if (writeHeader)
            WriteRecord(Columns);
    }

    public long RowsWritten { get; private set; }

    public void Write(ConnectionSummary c, ResetDiagnosis? d, ResetParty clientParty)
    {
        EndpointSummary client = clientParty == ResetParty.Originator ? c.Originator : c.Responder;
        EndpointSummary server = clientParty == ResetParty.Originator ? c.Responder : c.Originator;
        int i = 0;
        string[] row = _row;
        row[i++] = c.Uid;
        row[i++] = FlowText.FormatIso(c.StartTime);
        row[i++] = ZeekConnLogWriter.FormatTime(c.StartTime);
        row[i++] = ZeekConnLogWriter.FormatInterval(c.DurationNanos);
        row[i++] = IpAddress128.Format(client.Address);
        row[i++] = Number(client.Port);
        row[i++] = IpAddress128.Format(server.Address);
        row[i++] = Number(server.Port);
        row[i++] = IpAddress128.Format(c.Originator.Address);
        row[i++] = Number(c.Originator.Port);
        row[i++] = IpAddress128.Format(c.Responder.Address);
        row[i++] = Number(c.Responder.Port);
        row[i++] = c.ConnState;
        row[i++] = c.History;
        row[i++] = Number(c.Originator.Packets);
        row[i++] = Number(c.Originator.Size);
        row[i++] = Number(c.Originator.IpBytes);
        row[i++] = Number(c.Responder.Packets);
        row[i++] = Number(c.Responder.Size);
        row[i++] = Number(c.Responder.IpBytes);
        row[i++] = Number(c.MissedBytes);
        row[i++] = d?.ResetBy?.ToKebabCase() ?? "";
        row[i++] = d?.ResetByRole?.ToKebabCase() ?? "";
        row[i++] = d is not null && d.ResetTime != 0 ? FlowText.FormatIso(d.ResetTime) : "";
        row[i++] = d?.Stage?.ToKebabCase() ?? "";
        row[i++] = d?.Cause.ToKebabCase() ?? "";
        row[i++] = d?.Verdict.ToKebabCase() ?? "";
        row[i++] = d?.Confidence.ToKebabCase() ?? "";
        row[i++] = d?.Evidence ?? "";
        row[i++] = d?.LogHint ?? "";
        row[i++] = d?.RaceGroupId is { } group ? Number((ulong)group) : "";
        row[i++] = d?.RaceKind?.ToKebabCase() ?? "";
        row[i++] = d?.RaceVariant is { } variant ? variant.ToString() : "";
        row[i++] = d?.SiblingUid ?? "";
        row[i++] = d?.PriorUid ?? "";
        row[i++] = d?.FindingId ?? "";
        row[i++] = FlowText.CommunityIdOf(c);
        row[i++] = FlowText.WiresharkFilter(c);
        TunnelRecord? tunnel = c.Tunnel;
        row[i++] = tunnel?.KindName ?? "";
        row[i++] = tunnel?.Uid ?? "";
        row[i++] = tunnel is null ? "" : IpAddress128.Format(tunnel.OuterOriginator);
        row[i++] = tunnel is null ? "" : IpAddress128.Format(tunnel.OuterResponder);
        WriteRecord(row);
        RowsWritten++;
    }

    public void Flush() => _writer.Flush();

    public void Complete(long closeTime) => _writer.Flush();

    public void Dispose()
    {
        if (!_leaveOpen)
            _writer.Dispose();
    }

    private void WriteRecord(string[] fields)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0)
                _writer.Write(',');
            WriteField(fields[i]);
        }
        _writer.Write("\r\n");
    }

    private void WriteField(string value)
    {
        if (NeedsNeutralising(value))
            value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _writer.Write(value);
            return;
        }
        _writer.Write('"');
        _writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        _writer.Write('"');
    }

    /// <summary>True for text a spreadsheet would evaluate as a formula; plain numbers (e.g. -1) are left as they are.</summary>
    internal static bool NeedsNeutralising(string value)
    {
        if (value.Length == 0 || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r'))
            return false;
        return !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
