using System.Globalization;
using System.Text.Json;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// One row per reset log line: the line (<c>log.*</c>), how it was matched (<c>match</c>, <c>match.*</c>),
/// the advice, then the connection's fields under the same names as `analyze` writes them when exactly
/// one connection fits (an ambiguous line lists its candidates' uids instead).
/// </summary>
public sealed class ExplainRowWriter : IDisposable
{
    public static readonly string[] LeadingCsvColumns =
    [
        "log_file", "log_line", "log_ts", "log_local_time", "log_format", "log_message",
        "match", "match_how", "match_offset", "match_candidates", "match_uids", "advice",
    ];

    private readonly JsonLinesConnectionWriter? _json;
    private readonly CsvConnectionWriter? _csv;

    private ExplainRowWriter(JsonLinesConnectionWriter? json, CsvConnectionWriter? csv)
    {
        _json = json;
        _csv = csv;
    }

    public static ExplainRowWriter Json(TextWriter writer) => new(new JsonLinesConnectionWriter(writer, TimeFormat.Epoch, leaveOpen: true), null);

    public static ExplainRowWriter Csv(TextWriter writer) => new(null, new CsvConnectionWriter(writer, leaveOpen: true, leadingColumns: LeadingCsvColumns));

    public void Write(LogLineMatch match)
    {
        CandidateConnection? single = match.Candidates.Count == 1 ? match.Candidates[0] : null;
        if (_json is not null)
            _json.Write(j => WriteJsonLeading(j, match), single?.Connection, single?.Diagnosis, single?.ClientParty ?? default);
        _csv?.Write(CsvLeading(match), single?.Connection, single?.Diagnosis, single?.ClientParty ?? default);
    }

    public void Flush()
    {
        _json?.Flush();
        _csv?.Flush();
    }

    private void WriteJsonLeading(Utf8JsonWriter j, LogLineMatch match)
    {
        j.WriteString("log.file", match.Line.File);
        j.WriteNumber("log.line", match.Line.LineNumber);
        _json!.WriteTime(j, "log.ts", match.UtcNanos);
        j.WriteString("log.local_time", LocalText(match));
        j.WriteString("log.format", FormatName(match.Line.Format));
        j.WriteString("log.message", match.Line.Message);
        j.WriteString("match", Name(match.Kind));
        j.WriteString("match.how", match.How);
        j.WriteString("match.offset", OffsetText(match.Offset));
        j.WriteNumber("match.candidates", match.Candidates.Count);
        if (match.IsAmbiguous)
        {
            j.WriteStartArray("match.uids");
            foreach (CandidateConnection candidate in match.Candidates)
                j.WriteStringValue(candidate.Uid);
            j.WriteEndArray();
        }
        j.WriteString("advice", LineAdvice.Sentence(match));
    }

    private static string[] CsvLeading(LogLineMatch match) =>
    [
        match.Line.File,
        match.Line.LineNumber.ToString(CultureInfo.InvariantCulture),
        ZeekConnLogWriter.FormatTime(match.UtcNanos),
        LocalText(match),
        FormatName(match.Line.Format),
        match.Line.Message,
        Name(match.Kind),
        match.How,
        OffsetText(match.Offset),
        match.Candidates.Count.ToString(CultureInfo.InvariantCulture),
        match.IsAmbiguous ? string.Join(' ', match.Candidates.Select(c => c.Uid)) : "",
        LineAdvice.Sentence(match),
    ];

    /// <summary>The log format as written in outputs: samba, nginx, apache, sshd, postgresql, java, generic.</summary>
    public static string FormatName(Logs.LogFormat format) => format.ToString().ToLowerInvariant();

    public static string Name(LogMatchKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>"+01:00", "-05:30", "+00:00".</summary>
    public static string OffsetText(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hh\\:mm", CultureInfo.InvariantCulture);

    private static string LocalText(LogLineMatch match) => match.Line.LocalTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _json?.Dispose();
        _csv?.Dispose();
    }
}
