using System.Globalization;
using System.Text;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// The diagnosis as extra conn.log fields, after Zeek's own (as a Zeek script's redef of Conn::Info appends
/// them), so zeek-cut and Zeek log readers take them like any other field. Values follow Zeek's ASCII writer:
/// unset is "-", an empty string "(empty)", and a string that would read as either, or holds the separator,
/// a control character or a backslash, is escaped (\x2d, \x09, \\).
/// </summary>
internal static class ZeekDiagnosisFields
{
    public static readonly string[] Fields =
    [
        "reset_by", "reset_by_role", "reset_ts", "reset_stage", "reset_cause", "reset_verdict", "reset_confidence",
        "reset_evidence", "reset_log_hint", "race_group", "race_kind", "race_variant", "race_sibling_uid", "prior_uid",
        "finding", "community_id", "wireshark_filter",
        "kernel_reason", "kernel_state", "kernel_reason_inferred", "wire_cause", "kernel_receiver_state",
    ];

    public static readonly string[] Types =
    [
        "string", "string", "time", "string", "string", "string", "string",
        "string", "string", "count", "string", "string", "string", "string",
        "string", "string", "string",
        "string", "string", "string", "string", "string",
    ];

    private const string Unset = "-";
    private const string Empty = "(empty)";

    /// <summary>Writes the fields, each after a tab, for one connection (all unset when it has no diagnosis).</summary>
    public static void Write(TextWriter w, ConnectionSummary c, ResetDiagnosis? d)
    {
        Text(w, d?.ResetBy?.ToZeekName());
        Text(w, d?.ResetByRole?.ToKebabCase());
        w.Write('\t');
        w.Write(d is not null && d.ResetTime != 0 ? ZeekConnLogWriter.FormatTime(d.ResetTime) : Unset);
        Text(w, d?.Stage?.ToKebabCase());
        Text(w, d?.Cause.ToKebabCase());
        Text(w, d?.Verdict.ToKebabCase());
        Text(w, d?.Confidence.ToKebabCase());
        Text(w, d?.Evidence);
        Text(w, d?.LogHint);
        w.Write('\t');
        w.Write(d?.RaceGroupId is { } group ? group.ToString(CultureInfo.InvariantCulture) : Unset);
        Text(w, d?.RaceKind?.ToKebabCase());
        Text(w, d?.RaceVariant?.ToString());
        Text(w, d?.SiblingUid);
        Text(w, d?.PriorUid);
        Text(w, d?.FindingId);
        Text(w, ConnectionText.CommunityIdOf(c));
        Text(w, ConnectionText.WiresharkFilter(c));
        Text(w, d?.Kernel?.Reason);
        Text(w, d?.Kernel?.State);
        Text(w, d?.InferredKernelReason);
        Text(w, d?.WireCause?.ToKebabCase());
        Text(w, d?.KernelReceived?.State);
    }

    private static void Text(TextWriter w, string? value)
    {
        w.Write('\t');
        w.Write(Escape(value));
    }

    /// <summary>A string value as Zeek's ASCII writer writes it (null is unset).</summary>
    public static string Escape(string? value)
    {
        if (value is null)
            return Unset;
        if (value.Length == 0)
            return Empty;
        if (value is Unset)
            return "\\x2d"; // a "-" string is not the unset value
        if (value is Empty)
            return "\\x28empty)";
        bool plain = true;
        foreach (char ch in value)
        {
            if (ch < 0x20 || ch == 0x7f || ch == '\\')
            {
                plain = false;
                break;
            }
        }
        if (plain)
            return value;
        var text = new StringBuilder(value.Length + 8);
        foreach (char ch in value)
        {
            if (ch == '\\')
                text.Append("\\\\");
            else if (ch < 0x20 || ch == 0x7f)
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)ch:x2}");
            else
                text.Append(ch);
        }
        return text.ToString();
    }
}
