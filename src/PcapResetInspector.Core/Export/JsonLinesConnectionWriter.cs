using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// One JSON object per line (JSON Lines / NDJSON). The Zeek conn.log columns keep Zeek's JSON
/// writer's flat keys (<c>id.orig_h</c>, ...) and its habit of leaving out unset fields; Zeek's
/// community-id package adds <c>community_id</c>; this tool's own fields are namespaced under
/// <c>reset.</c>, <c>race.</c> and <c>wireshark.</c>, so they cannot clash with Zeek's.
/// </summary>
public sealed class JsonLinesConnectionWriter : IConnectionExporter, IDisposable
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Community IDs, evidence and log hints carry + ' < > that the default encoder would escape.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly TimeFormat _timeFormat;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public JsonLinesConnectionWriter(TextWriter writer, TimeFormat timeFormat = TimeFormat.Epoch, bool leaveOpen = false)
    {
        _writer = writer;
        _leaveOpen = leaveOpen;
        _timeFormat = timeFormat;
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    public long RowsWritten { get; private set; }

    public void Write(ConnectionSummary c, ResetDiagnosis? d, ResetParty clientParty) => Write(null, c, d, clientParty);

    /// <summary>
    /// A row that starts with fields of the caller's (explain's <c>log.*</c> keys), followed by the
    /// connection's fields when there is one connection to show.
    /// </summary>
    public void Write(Action<Utf8JsonWriter>? leading, ConnectionSummary? c, ResetDiagnosis? d, ResetParty clientParty)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        Utf8JsonWriter j = _json;
        j.WriteStartObject();
        leading?.Invoke(j);
        if (c is not null)
            WriteConnection(c, d, clientParty);
        j.WriteEndObject();
        j.Flush();

        _writer.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        _writer.Write('\n');
        RowsWritten++;
    }

    /// <summary>Writes <paramref name="nanos"/> under <paramref name="name"/> in this writer's time format.</summary>
    public void WriteTime(Utf8JsonWriter j, string name, long nanos)
    {
        if (_timeFormat == TimeFormat.Iso)
        {
            j.WriteString(name, ConnectionText.FormatIso(nanos));
            return;
        }
        j.WritePropertyName(name);
        j.WriteRawValue(ZeekConnLogWriter.FormatTime(nanos), skipInputValidation: true);
    }

    private void WriteConnection(ConnectionSummary c, ResetDiagnosis? d, ResetParty clientParty)
    {
        Utf8JsonWriter j = _json;
        WriteTime("ts", c.StartTime);
        j.WriteString("uid", c.Uid);
        j.WriteString("id.orig_h", IpAddress128.Format(c.Originator.Address));
        j.WriteNumber("id.orig_p", c.Originator.Port);
        j.WriteString("id.resp_h", IpAddress128.Format(c.Responder.Address));
        j.WriteNumber("id.resp_p", c.Responder.Port);
        j.WriteString("proto", "tcp");
        // As in conn.log, duration and the byte counts are set only for a positive duration.
        if (c.DurationNanos > 0)
        {
            j.WritePropertyName("duration");
            j.WriteRawValue(ZeekConnLogWriter.FormatInterval(c.DurationNanos), skipInputValidation: true);
            j.WriteNumber("orig_bytes", c.Originator.Size);
            j.WriteNumber("resp_bytes", c.Responder.Size);
        }
        j.WriteString("conn_state", c.ConnState);
        j.WriteNumber("missed_bytes", c.MissedBytes);
        if (c.History.Length > 0)
            j.WriteString("history", c.History);
        j.WriteNumber("orig_pkts", c.Originator.Packets);
        j.WriteNumber("orig_ip_bytes", c.Originator.IpBytes);
        j.WriteNumber("resp_pkts", c.Responder.Packets);
        j.WriteNumber("resp_ip_bytes", c.Responder.IpBytes);
        if (c.Tunnel is { } tunnel)
            WriteTunnel(tunnel);
        j.WriteString("community_id", ConnectionText.CommunityIdOf(c));

        j.WriteString("reset.client", clientParty.ToZeekName());
        if (d is not null)
            WriteDiagnosis(d);
        j.WriteString("wireshark.filter", ConnectionText.WiresharkFilter(c));
    }

    /// <summary>Zeek's tunnel_parents (a set of uids: an array in Zeek's JSON), then the outer addresses.</summary>
    private void WriteTunnel(TunnelRecord tunnel)
    {
        Utf8JsonWriter j = _json;
        j.WriteStartArray("tunnel_parents");
        j.WriteStringValue(tunnel.Uid);
        j.WriteEndArray();
        j.WriteString("tunnel.kind", tunnel.KindName);
        j.WriteString("tunnel.outer_orig_h", IpAddress128.Format(tunnel.OuterOriginator));
        j.WriteString("tunnel.outer_resp_h", IpAddress128.Format(tunnel.OuterResponder));
    }

    private void WriteDiagnosis(ResetDiagnosis d)
    {
        Utf8JsonWriter j = _json;
        if (d.ResetBy is { } by)
            j.WriteString("reset.by", by.ToZeekName());
        if (d.ResetByRole is { } role)
            j.WriteString("reset.by_role", role.ToKebabCase());
        if (d.ResetTime != 0)
            WriteTime("reset.ts", d.ResetTime);
        if (d.Stage is { } stage)
            j.WriteString("reset.stage", stage.ToKebabCase());
        j.WriteString("reset.cause", d.Cause.ToKebabCase());
        j.WriteString("reset.verdict", d.Verdict.ToKebabCase());
        j.WriteString("reset.confidence", d.Confidence.ToKebabCase());
        j.WriteString("reset.evidence", d.Evidence);
        j.WriteString("reset.log_hint", d.LogHint);
        if (d.Kernel is { } kernel)
        {
            j.WriteString("reset.kernel_reason", kernel.Reason);
            j.WriteString("reset.kernel_state", kernel.State);
        }
        if (d.KernelReceived?.State is { } receiverState)
            j.WriteString("reset.kernel_receiver_state", receiverState);
        if (d.InferredKernelReason is { } inferred)
            j.WriteString("reset.kernel_reason_inferred", inferred);
        if (d.WireCause is { } wire)
            j.WriteString("reset.wire_cause", wire.ToKebabCase());
        if (d.TrailingRstAfterCleanClose)
            j.WriteBoolean("reset.after_clean_close", true);
        if (d.PriorUid is not null)
            j.WriteString("reset.prior_uid", d.PriorUid);
        if (d.FindingId is not null)
            j.WriteString("reset.finding", d.FindingId);
        if (d.RaceGroupId is { } group)
            j.WriteNumber("race.group", group);
        if (d.RaceKind is { } kind)
            j.WriteString("race.kind", kind.ToKebabCase());
        if (d.RaceVariant is { } variant)
            j.WriteString("race.variant", variant.ToString());
        if (d.SiblingUid is not null)
            j.WriteString("race.sibling_uid", d.SiblingUid);
        if (d.RaceGaps is { } gaps)
        {
            j.WriteNumber("race.syn_to_syn_ms", Math.Round(gaps.SynToSynMilliseconds, 3));
            if (gaps.SynToResetMilliseconds is { } toReset)
                j.WriteNumber("race.syn_to_rst_ms", Math.Round(toReset, 3));
        }
    }

    private void WriteTime(string name, long nanos) => WriteTime(_json, name, nanos);

    public void Flush() => _writer.Flush();

    public void Complete(long closeTime) => _writer.Flush();

    public void Dispose()
    {
        _json.Dispose();
        if (!_leaveOpen)
            _writer.Dispose();
    }
}
