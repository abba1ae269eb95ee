using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Writes connections as Zeek's conn.log in its ASCII (TSV) format, so the output diffs against real
/// Zeek logs and feeds zeek-cut and the tools that read Zeek logs. Header and footer follow Zeek's
/// ASCII writer: #separator, #set_separator, #empty_field, #unset_field, #path, #open, #fields,
/// #types, then one line per connection and #close. Unlike Zeek, #open and #close carry the capture's
/// network time (first connection start, last packet), so the same input gives the same bytes.
/// With <c>diagnosisFields</c>, the diagnosis follows Zeek's fields as extra ones (<see cref="ZeekDiagnosisFields"/>);
/// without, the columns are exactly Zeek's (the conn.log of every connection, compared with Zeek's own).
/// </summary>
public sealed class ZeekConnLogWriter : IConnectionSink, IConnectionExporter, IDisposable
{
    public static readonly string[] Fields =
    [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
        "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
        "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents",
    ];

    public static readonly string[] Types =
    [
        "time", "string", "addr", "port", "addr", "port", "enum", "string", "interval",
        "count", "count", "string", "bool", "bool", "count", "string",
        "count", "count", "count", "count", "set[string]",
    ];

    private const string Unset = "-";
    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private bool _headerWritten;
    private bool _closed;
    private long _latestTime;
    private readonly bool _diagnosisFields;

    public ZeekConnLogWriter(TextWriter writer, bool leaveOpen = false, bool diagnosisFields = false)
    {
        _writer = writer;
        _leaveOpen = leaveOpen;
        _diagnosisFields = diagnosisFields;
    }

    /// <summary>The #fields this writer writes.</summary>
    public IReadOnlyList<string> FieldNames => _diagnosisFields ? [.. Fields, .. ZeekDiagnosisFields.Fields] : Fields;

    public long RowsWritten { get; private set; }

    public void Add(in ConnectionRecord connection) => Add(connection.Summary);

    public void Add(ConnectionSummary c) => Add(c, null);

    private void Add(ConnectionSummary c, ResetDiagnosis? diagnosis)
    {
        if (!_headerWritten)
            WriteHeader(c.StartTime);
        if (c.LastTime > _latestTime)
            _latestTime = c.LastTime;

        var w = _writer;
        w.Write(FormatTime(c.StartTime)); w.Write('\t');
        w.Write(c.Uid); w.Write('\t');
        w.Write(IpAddress128.Format(c.Originator.Address)); w.Write('\t');
        w.Write(c.Originator.Port.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write(IpAddress128.Format(c.Responder.Address)); w.Write('\t');
        w.Write(c.Responder.Port.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write("tcp\t");
        w.Write(Unset); w.Write('\t'); // service: this tool does no protocol detection
        // duration, orig_bytes and resp_bytes are logged only when the duration is positive (conn/main.zeek set_conn).
        if (c.DurationNanos > 0)
        {
            w.Write(FormatInterval(c.DurationNanos)); w.Write('\t');
            w.Write(c.Originator.Size.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
            w.Write(c.Responder.Size.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        }
        else
        {
            w.Write("-\t-\t-\t");
        }
        w.Write(c.ConnState); w.Write('\t');
        w.Write("-\t-\t"); // local_orig, local_resp: no Site::local_nets here
        w.Write(c.MissedBytes.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write(c.History.Length == 0 ? Unset : c.History); w.Write('\t');
        w.Write(c.Originator.Packets.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write(c.Originator.IpBytes.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write(c.Responder.Packets.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        w.Write(c.Responder.IpBytes.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
        // tunnel_parents: Zeek's set of the encapsulating tunnels' uids, unset for a plain connection.
        w.Write(c.Tunnel is { } tunnel ? tunnel.Uid : Unset);
        if (_diagnosisFields)
            ZeekDiagnosisFields.Write(w, c, diagnosis);
        w.Write('\n');
        RowsWritten++;
    }

    public void Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty) => Add(connection, diagnosis);

    public void Flush() => _writer.Flush();

    /// <summary>Writes the #close line. <paramref name="closeTime"/> is the network time at the end (ns).</summary>
    public void Complete(long closeTime)
    {
        if (_closed)
            return;
        if (!_headerWritten)
            WriteHeader(closeTime);
        _writer.Write("#close\t");
        _writer.Write(FormatLogTime(Math.Max(closeTime, _latestTime)));
        _writer.Write('\n');
        _writer.Flush();
        _closed = true;
    }

    private void WriteHeader(long openTime)
    {
        var w = _writer;
        w.Write("#separator \\x09\n");
        w.Write("#set_separator\t,\n");
        w.Write("#empty_field\t(empty)\n");
        w.Write("#unset_field\t-\n");
        w.Write("#path\tconn\n");
        w.Write("#open\t"); w.Write(FormatLogTime(openTime)); w.Write('\n');
        w.Write("#fields\t"); w.Write(string.Join('\t', FieldNames)); w.Write('\n');
        string[] types = _diagnosisFields ? [.. Types, .. ZeekDiagnosisFields.Types] : Types;
        w.Write("#types\t"); w.Write(string.Join('\t', types)); w.Write('\n');
        _headerWritten = true;
    }

    /// <summary>Zeek's time values: epoch seconds with six decimals (printf "%.6f", microseconds as libpcap gives them).</summary>
    public static string FormatTime(long nanos)
    {
        Span<char> text = stackalloc char[MaxTimeLength];
        TryFormatTime(nanos, text, out int length);
        return new string(text[..length]);
    }

    /// <summary>Room for any <see cref="TryFormatTime"/> text: a sign, up to 20 digits, a point and 6 decimals.</summary>
    public const int MaxTimeLength = 1 + 20 + 1 + 6;

    public static bool TryFormatTime(long nanos, Span<char> destination, out int charsWritten)
    {
        bool negative = nanos < 0;
        ulong magnitude = negative ? (ulong)(-(nanos + 1)) + 1 : (ulong)nanos;
        ulong micros = magnitude / 1000;
        ulong seconds = micros / 1_000_000, fraction = micros % 1_000_000;
        return negative && micros != 0
            ? destination.TryWrite(CultureInfo.InvariantCulture, $"-{seconds}.{fraction:D6}", out charsWritten)
            : destination.TryWrite(CultureInfo.InvariantCulture, $"{seconds}.{fraction:D6}", out charsWritten);
    }

    /// <summary>Zeek's interval values: seconds with six decimals.</summary>
    public static string FormatInterval(long nanos) => FormatTime(nanos);

    /// <summary>#open/#close: local-time-free %Y-%m-%d-%H-%M-%S, here in UTC.</summary>
    public static string FormatLogTime(long nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks(FloorDiv(nanos, 100)).ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);

    private static long FloorDiv(long value, long divisor)
    {
        long q = value / divisor;
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? q - 1 : q;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
            _writer.Dispose();
    }
}
