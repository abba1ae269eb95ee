using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// The flagged connections: controls and an empty table that the page's script fills a page at a time
/// from one JSON blob, so the DOM holds a page of rows however many are embedded.
/// </summary>
internal static class HtmlTable
{
    /// <summary>
    /// Column keys (the script's and the sort's) and headers, in the order shown. The evidence, log hint and
    /// Wireshark filter are long: they go on a second line under each row, across the columns.
    /// </summary>
    public static readonly (string Key, string Header)[] Columns =
    [
        ("uid", "uid"), ("start", "start (UTC)"), ("reset", "reset (UTC)"), ("client", "client"), ("server", "server"),
        ("state", "conn_state"), ("history", "history"), ("by", "reset by"), ("stage", "stage"), ("cause", "cause"),
        ("verdict", "verdict"), ("confidence", "confidence"),
    ];

    /// <summary>After the cause, only on a page whose rows carry the kernel's reason (a capture with --kernel-reasons).</summary>
    public static readonly (string Key, string Header) KernelColumn = ("kernel", "kernel reason");

    /// <summary>The columns of this page, in the order shown.</summary>
    public static IReadOnlyList<(string Key, string Header)> ColumnsOf(bool kernel) =>
        kernel ? [.. Columns[..10], KernelColumn, .. Columns[10..]] : Columns;

    public static void WriteSection(StringBuilder html, HtmlReportRows rows)
    {
        bool kernel = rows.HasKernelReasons;
        html.Append("<section id=\"connections\">\n<h2>Flagged connections</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\" id=\"embedded-note\" data-total=\"{rows.Flagged}\" data-embedded=\"{rows.Flagged - rows.Omitted}\" data-omitted=\"{rows.Omitted}\">");
        if (rows.Omitted > 0)
            html.Append(
                $"<strong>This page holds {HtmlText.N(rows.Flagged - rows.Omitted)} of the {HtmlText.N(rows.Flagged)} flagged connections; {HtmlText.N(rows.Omitted)} were left out</strong> " +
                "(the most serious are kept: suspicious, actionable, then benign, each by time; members of host-level findings last). " +
                "The CSV and JSON exports (<code>-o flagged.csv</code>, <code>-o flagged.json</code>) have them all.");
        else
            html.Append(rows.Flagged == 1 ? "The one flagged connection is here." : $"All {HtmlText.N(rows.Flagged)} flagged connections are here, the most serious first.");
        if (rows.FindingMembers > 0)
            html.Append(CultureInfo.InvariantCulture, $" {HtmlText.N(rows.FindingMembers)} of them belong to the host-level findings above (the finding is named in their evidence column).");
        if (rows.NotFlagged > 0)
            html.Append(CultureInfo.InvariantCulture, $" {HtmlText.N(rows.NotFlagged)} connections listed without a diagnosis (--all) are in the exports only.");
        html.Append("</p>\n");
        html.Append("""
            <div class="controls">
            <label>Filter <input id="q" type="search" placeholder="uid, address, text of the evidence..." autocomplete="off"></label>
            <label>Verdict <select id="verdict"><option value="">all</option></select></label>
            <label>Cause <select id="cause"><option value="">all</option></select></label>

            """);
        if (kernel)
            html.Append("<label>Kernel reason <select id=\"kernel\"><option value=\"\">all</option></select></label>\n");
        html.Append("""
            <span id="count" aria-live="polite"></span>
            </div>
            <div class="pager"><button type="button" id="prev">&larr; previous</button> <span id="page"></span> <button type="button" id="next">next &rarr;</button></div>
            <div class="tablewrap"><table id="rows"><thead><tr>
            """);
        foreach (var (key, header) in ColumnsOf(kernel))
            html.Append(CultureInfo.InvariantCulture, $"<th data-key=\"{key}\" aria-sort=\"none\" tabindex=\"0\">{HtmlText.Escape(header)}</th>");
        html.Append("</tr></thead><tbody></tbody></table></div>\n");
        html.Append("<noscript><p class=\"note\">The table needs JavaScript; the CSV export has the same rows.</p></noscript>\n</section>\n");
    }

    /// <summary>
    /// The rows as one JSON value inside a script element of type application/json. The encoder writes
    /// every &lt;, &gt;, &amp; and non-ASCII character (U+2028 and U+2029 among them) as \uXXXX, so no text
    /// in a row can close the element or break the script that reads it.
    /// </summary>
    public static void WriteData(TextWriter output, HtmlReportRows rows)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        bool kernel = rows.HasKernelReasons;
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            json.WriteStartObject();
            json.WriteNumber("total", rows.Flagged);
            json.WriteNumber("omitted", rows.Omitted);
            json.WriteBoolean("kernel", kernel);
            json.WriteStartArray("rows");
            foreach (HtmlRow row in rows.Rows())
            {
                json.WriteStartArray();
                json.WriteStringValue(HtmlText.Plain(row.Uid));
                json.WriteNumberValue(row.StartTime / 1000);
                if (row.ResetTime != 0)
                    json.WriteNumberValue(row.ResetTime / 1000);
                else
                    json.WriteNullValue();
                json.WriteStringValue(row.Client);
                json.WriteStringValue(row.Server);
                Shared(json, strings, row.ConnState);
                json.WriteStringValue(HtmlText.Plain(row.History));
                Shared(json, strings, row.ResetBy);
                Shared(json, strings, row.Stage);
                Shared(json, strings, row.Cause.ToKebabCase());
                Shared(json, strings, row.Verdict.ToKebabCase());
                Shared(json, strings, row.Confidence.ToKebabCase());
                json.WriteStringValue(HtmlText.Plain(row.Finding.Length > 0 ? $"[{row.Finding}] {row.Evidence}" : row.Evidence));
                Shared(json, strings, row.LogHint);
                json.WriteStringValue(row.WiresharkFilter);
                if (kernel)
                    Shared(json, strings, row.KernelReason);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            // Causes, verdicts, states and log hints repeat: each is written once and the rows point to it.
            json.WriteStartArray("strings");
            foreach (string text in strings.OrderBy(p => p.Value).Select(p => p.Key))
                json.WriteStringValue(HtmlText.Plain(text));
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.Write("<script type=\"application/json\" id=\"data\">");
        // The encoder wrote ASCII only; copied in slices, so the text is never one huge string.
        ReadOnlySpan<byte> bytes = buffer.WrittenSpan;
        char[] chars = new char[1 << 16];
        for (int at = 0; at < bytes.Length; at += chars.Length)
        {
            int n = Encoding.ASCII.GetChars(bytes.Slice(at, Math.Min(chars.Length, bytes.Length - at)), chars);
            output.Write(chars, 0, n);
        }
        output.Write("</script>\n");
    }

    private static void Shared(Utf8JsonWriter json, Dictionary<string, int> strings, string text)
    {
        if (!strings.TryGetValue(text, out int index))
            strings.Add(text, index = strings.Count);
        json.WriteNumberValue(index);
    }
}
