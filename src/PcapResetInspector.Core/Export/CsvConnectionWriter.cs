using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Flagged (or all) connections as CSV: RFC 4180 (comma separated, CRLF line ends, fields with a
/// comma, quote or line break quoted, quotes doubled), one header row, invariant culture. The
/// columns are a stable interface documented in the README: add new ones at the end only.
/// A text field that a spreadsheet would take for a formula (leading = + - @ tab or CR) gets a
/// leading apostrophe, as OWASP's CSV injection advice says; numbers are left alone.
/// </summary>
public sealed class CsvConnectionWriter : IConnectionExporter, IConnectionRowFields, IDisposable
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
        "kernel_reason", "kernel_state", "kernel_reason_inferred", "wire_cause", "kernel_receiver_state",
    ];

    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private int _fieldsInRecord;

    /// <param name="writeHeader">False when appending to a file that already has the header.</param>
    /// <param name="leadingColumns">Columns of the caller's before the connection's (explain's log_* columns).</param>
    public CsvConnectionWriter(TextWriter writer, bool leaveOpen = false, bool writeHeader = true, IReadOnlyList<string>? leadingColumns = null)
    {
        _writer = writer;
        _leaveOpen = leaveOpen;
        if (writeHeader)
            WriteRecord([.. leadingColumns ?? [], .. Columns]);
    }

    /// <summary>A row of leading fields (see the constructor), then the connection's, empty when there is none to show.</summary>
    public void Write(IReadOnlyList<string> leading, ConnectionSummary? c, ResetDiagnosis? d, ResetParty clientParty)
    {
        foreach (string field in leading)
            TextField(field);
        if (c is not null)
        {
            Write(c, d, clientParty);
            return;
        }
        foreach (string _ in Columns)
            TextField("");
        EndRecord();
        RowsWritten++;
    }

    public long RowsWritten { get; private set; }

    public void Write(ConnectionSummary c, ResetDiagnosis? d, ResetParty clientParty)
    {
        ConnectionRow.Write(this, c, d, clientParty);
        EndRecord();
        RowsWritten++;
    }

    public void Flush() => _writer.Flush();

    public void Complete(long closeTime) => _writer.Flush();

    public void Dispose()
    {
        if (!_leaveOpen)
            _writer.Dispose();
    }

    void IConnectionRowFields.Text(string? value) => TextField(value ?? "");

    void IConnectionRowFields.Formatted(ReadOnlySpan<char> value) => PlainField(value);

    void IConnectionRowFields.Address(IpAddress128? address)
    {
        if (address is { } a)
            AddressField(a);
        else
            TextField("");
    }

    void IConnectionRowFields.Port(ushort port) => NumberField(port);

    void IConnectionRowFields.Count(ulong value) => NumberField(value);

    void IConnectionRowFields.OptionalNumber(int? value)
    {
        if (value is { } number)
            NumberField((ulong)number);
        else
            TextField("");
    }

    void IConnectionRowFields.Time(long? nanos)
    {
        if (nanos is { } n)
            IsoTimeField(n);
        else
            TextField("");
    }

    void IConnectionRowFields.Seconds(long nanos) => EpochField(nanos);

    private void WriteRecord(IEnumerable<string> fields)
    {
        foreach (string field in fields)
            TextField(field);
        EndRecord();
    }

    // Fields go straight to the writer: a row's numbers are formatted into a stack buffer, not into
    // strings (a scan's CSV has hundreds of thousands of rows).
    private void Separate()
    {
        if (_fieldsInRecord++ > 0)
            _writer.Write(',');
    }

    private void TextField(string value)
    {
        Separate();
        WriteField(value);
    }

    /// <summary>A count never needs quoting nor neutralising.</summary>
    private void NumberField(ulong value)
    {
        Separate();
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        _writer.Write(digits[..length]);
    }

    private void AddressField(IpAddress128 address)
    {
        Span<char> text = stackalloc char[IpAddress128.MaxTextLength];
        address.TryFormat(text, out int length);
        PlainField(text[..length]);
    }

    private void IsoTimeField(long nanos)
    {
        Span<char> text = stackalloc char[ConnectionText.IsoLength];
        ConnectionText.TryFormatIso(nanos, text, out int length);
        PlainField(text[..length]);
    }

    /// <summary>Epoch seconds or an interval with six decimals, as in Zeek's logs.</summary>
    private void EpochField(long nanos)
    {
        Span<char> text = stackalloc char[ZeekConnLogWriter.MaxTimeLength];
        ZeekConnLogWriter.TryFormatTime(nanos, text, out int length);
        PlainField(text[..length]);
    }

    /// <summary>Text this writer formatted itself (addresses, times, hashes, filters): nothing to quote or neutralise.</summary>
    private void PlainField(ReadOnlySpan<char> value)
    {
        Separate();
        _writer.Write(value);
    }

    private void EndRecord()
    {
        _writer.Write("\r\n");
        _fieldsInRecord = 0;
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
}
