using System.Globalization;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>What the explain report is written from.</summary>
public sealed class ExplainReportData
{
    public required ReportData Analysis { get; init; }
    public required IReadOnlyList<(string Path, LogReadResult Result)> Logs { get; init; }
    public required IReadOnlyList<LogLineMatch> Matches { get; init; }
    public required IReadOnlyDictionary<string, LogClockOffset> Offsets { get; init; }
    public int NetBiosNames { get; init; }
    /// <summary>Every line in full; otherwise benign lines are shown a few per cause.</summary>
    public bool ListAll { get; init; }
}

/// <summary>The explain report: the capture and the logs in a line each, the summary sentence, then each reset line with its connection.</summary>
public sealed class ExplainReport(TextWriter writer, int width)
{
    private const int BenignExamplesPerCause = 3;
    private const int CandidatesShown = 5;

    public void Write(ExplainReportData data)
    {
        WriteSummary(data);
        var benignShown = new Dictionary<ResetCause, int>();
        var benignHidden = new Dictionary<ResetCause, int>();
        foreach (LogLineMatch match in data.Matches)
        {
            if (!data.ListAll && LineAdvice.VerdictOf(match) == Verdict.Benign && LineAdvice.CauseOf(match) is { } cause)
            {
                int shown = benignShown.GetValueOrDefault(cause);
                if (shown >= BenignExamplesPerCause)
                {
                    benignHidden[cause] = benignHidden.GetValueOrDefault(cause) + 1;
                    continue;
                }
                benignShown[cause] = shown + 1;
            }
            writer.WriteLine();
            WriteLine(match);
        }
        foreach ((ResetCause cause, int hidden) in benignHidden)
        {
            writer.WriteLine();
            writer.WriteLine($"... and {N(hidden)} more benign line(s) of {LineAdvice.Short(cause)} (--list all shows every line; --format json or csv writes them all)");
        }
    }

    public void WriteSummary(ExplainReportData data)
    {
        ReportData analysis = data.Analysis;
        var capture = analysis.Capture;
        string span = capture.Packets == 0 ? "nothing read"
            : $"{ConnectionText.FormatIso(capture.EarliestTimestamp)} to {ConnectionText.FormatIso(capture.LastTimestamp)}";
        writer.WriteLine($"Capture: {Count(capture.Packets, "packet")}, {Count(analysis.Connections.Total, "connection")}, {N(analysis.Connections.SawRst)} with a RST; {span}");
        foreach ((string path, LogReadResult result) in data.Logs)
            writer.WriteLine(SafeText.Escape(LogLine(path, result, data.Offsets.GetValueOrDefault(path))));
        if (data.NetBiosNames > 0)
            writer.WriteLine($"NetBIOS names learnt from session requests on port 139: {N(data.NetBiosNames)}");
        writer.WriteLine();
        writer.WriteLine(Sentence(data.Matches));
        if (data.Matches.Count > 0)
        {
            string Count(LogMatchKind kind) => N(data.Matches.Count(m => m.Kind == kind));
            int ambiguous = data.Matches.Count(m => m.IsAmbiguous);
            writer.WriteLine($"Matched: exact {Count(LogMatchKind.Exact)}, address {Count(LogMatchKind.Address)}, time {Count(LogMatchKind.Time)}, none {Count(LogMatchKind.None)}" +
                             (ambiguous > 0 ? $"; {N(ambiguous)} ambiguous (several connections fit; all are listed)" : ""));
        }
    }

    /// <summary>"40 reset lines: 37 benign (the 139/445 race), 2 actionable (...), 1 with no matching connection (outside the capture's time range)".</summary>
    public static string Sentence(IReadOnlyList<LogLineMatch> matches)
    {
        if (matches.Count == 0)
            return "No reset lines in the logs: nothing to explain.";
        var parts = new List<string>();
        foreach (var group in matches.Where(m => LineAdvice.VerdictOf(m) is not null && LineAdvice.CauseOf(m) is not null)
                     .GroupBy(m => (Verdict: LineAdvice.VerdictOf(m)!.Value, Cause: LineAdvice.CauseOf(m)!.Value))
                     .OrderBy(g => g.Key.Verdict).ThenByDescending(g => g.Count()))
            parts.Add($"{N(group.Count())} {group.Key.Verdict.ToKebabCase()} ({LineAdvice.Short(group.Key.Cause)})");
        int mixed = matches.Count(m => m.Kind != LogMatchKind.None && m.Candidates.Any(c => c.Diagnosis is not null) && (LineAdvice.VerdictOf(m) is null || LineAdvice.CauseOf(m) is null));
        if (mixed > 0)
            parts.Add($"{N(mixed)} with candidates of different causes");
        int unreset = matches.Count(m => m.Kind != LogMatchKind.None && m.Candidates.All(c => c.Diagnosis is null));
        if (unreset > 0)
            parts.Add($"{N(unreset)} about a connection that ended without a reset");
        foreach (var group in matches.Where(m => m.Kind == LogMatchKind.None).GroupBy(m => m.Reason).OrderByDescending(g => g.Count()))
            parts.Add($"{N(group.Count())} with no matching connection in the capture ({ReasonText(group.Key)})");
        return $"{N(matches.Count)} reset line{(matches.Count == 1 ? "" : "s")}: " + string.Join(", ", parts);
    }

    private void WriteLine(LogLineMatch match)
    {
        LogResetLine line = match.Line;
        writer.WriteLine(SafeText.Escape($"{Path.GetFileName(line.File)}:{line.LineNumber}  {line.LocalTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}  {Cut(line.Message)}"));
        writer.WriteLine(SafeText.Escape($"  match    {ExplainRowWriter.Name(match.Kind)}: {match.How} (log clock UTC{ExplainRowWriter.OffsetText(match.Offset)})"));
        foreach (CandidateConnection candidate in match.Candidates.Take(CandidatesShown))
            WriteCandidate(candidate, match.IsAmbiguous);
        if (match.Candidates.Count > CandidatesShown)
            writer.WriteLine($"  ... and {N(match.Candidates.Count - CandidatesShown)} more candidates (--format json lists every uid)");
        writer.WriteLine(SafeText.Escape($"  advice   {LineAdvice.Sentence(match)}"));
    }

    private void WriteCandidate(CandidateConnection c, bool ambiguous)
    {
        string label = ambiguous ? "  maybe  " : "  conn   ";
        writer.WriteLine(SafeText.Escape($"{label} {c.Uid}  {Endpoint(c.Client)} -> {Endpoint(c.Server)}  {c.Connection.ConnState} {c.Connection.History}  {ConnectionText.CommunityIdOf(c.Connection)}"));
        if (c.Diagnosis is not { } d)
        {
            writer.WriteLine(SafeText.Escape($"           not reset: ended at {ConnectionText.FormatIso(c.EventTime)}"));
            return;
        }
        string by = d.ResetByRole is { } role ? $"by the {role.ToKebabCase()} ({IpAddress128.Format((role == HostRole.Client ? c.Client : c.Server).Address)})" : "by neither side";
        writer.WriteLine(SafeText.Escape($"           reset {by} at {ConnectionText.FormatIso(d.ResetTime)}{(d.Stage is { } stage ? ", " + stage.ToKebabCase() : "")}"));
        writer.WriteLine(SafeText.Escape($"           {d.Cause.ToKebabCase()}, {d.Verdict.ToKebabCase()} ({d.Confidence.ToKebabCase()} confidence): {d.Evidence}"));
    }

    private string Cut(string text)
    {
        int room = Math.Max(40, width - 40);
        return text.Length <= room ? text : text[..(room - 3)] + "...";
    }

    private static string LogLine(string path, LogReadResult result, LogClockOffset? clock)
    {
        // Counts of a file that is not text would only mislead.
        if (result.Problem is { } unusable && result.Resets.Count == 0)
            return $"Log {path}: not used: {unusable}";
        string counts = $"Log {path}: {N(result.LinesRead)} line{(result.LinesRead == 1 ? "" : "s")}, {N(result.Resets.Count)} about resets, {N(result.LinesSkipped)} skipped" +
                        (result.LinesWithoutTimestamp > 0 ? $", {N(result.LinesWithoutTimestamp)} without a time" : "") +
                        (result.OverlongLines > 0 ? $", {N(result.OverlongLines)} over 64 KiB" : "");
        if (result.Problem is { } problem)
            return counts + "; not used: " + problem;
        if (clock is null)
            return counts;
        string offset = "UTC" + ExplainRowWriter.OffsetText(clock.Offset);
        string source = clock.Source switch
        {
            OffsetSource.Given => "given with --log-utc-offset",
            OffsetSource.InLines => "written in the lines",
            OffsetSource.Inferred => $"inferred from {N(clock.SupportingLines)} of {N(clock.LinesTried)} lines naming a client",
            _ => (clock.LinesTried == 0 ? "assumed: no line names a client to infer it from" : $"assumed: none of {N(clock.LinesTried)} lines naming a client met a connection of it at any offset")
                 + " (give --log-utc-offset if the log is not in UTC)",
        };
        string secondary = clock.Secondary is { } other
            ? $"; UTC{ExplainRowWriter.OffsetText(other)} for {N(clock.SecondaryLines)} lines (a daylight-saving change)"
            : "";
        return $"{counts}; clock {offset}, {source}{secondary}";
    }

    private static string ReasonText(NoMatchReason reason) => reason switch
    {
        NoMatchReason.OutsideCapture => "outside its time range",
        NoMatchReason.PeerNotInCapture => "the peer the line names is not in it",
        NoMatchReason.UnknownNetBiosName => "unknown NetBIOS name, nothing at that time",
        _ => "nothing reset at that time",
    };

    private static string Endpoint(EndpointSummary e) => ConnectionText.Endpoint(e.Address, e.Port);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(long value, string noun) => N(value) + " " + noun + (value == 1 ? "" : "s");
}
