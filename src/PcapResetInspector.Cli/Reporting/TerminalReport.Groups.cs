using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using Spectre.Console;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// The default listing: connections grouped by cause, verdict and server port, most serious first,
/// each group with its counts, time range and earliest few connections; the top N groups, and a line
/// saying what was left out and how to see it.
/// </summary>
public sealed partial class TerminalReport
{
    /// <summary>Evidence under an example is cut to this many characters: its first clause is usually what tells the cases apart.</summary>
    private const int ShortEvidenceLength = 90;

    private void WriteGroups(ConnectionGroups groups, ReportListing listing, bool unflaggedListed)
    {
        IReadOnlyList<ConnectionGroup> ordered = groups.Ordered();
        int shown = Math.Min(listing.Top, ordered.Count);
        string range = shown < ordered.Count ? $"top {N(shown)} of {N(ordered.Count)} groups" : Count(ordered.Count, "group", "groups");
        Blank();
        MarkupLine($"[bold]{(unflaggedListed ? "Connections" : "Flagged connections")} by cause, verdict and server[/], most serious first ({range})");
        foreach (ConnectionGroup group in ordered.Take(shown))
            WriteGroup(group);

        var hidden = ordered.Skip(shown).ToList();
        if (hidden.Count > 0)
        {
            var verdicts = hidden.GroupBy(g => ConnectionGroups.Severity(g.Key.Verdict)).OrderBy(s => s.Key)
                .Select(s => $"{N(s.Count())} {(s.First().Key.Verdict is { } v ? v.ToKebabCase() : "not flagged")}");
            Blank();
            MarkupLine($"Not shown: {Count(hidden.Count, "more group", "more groups")} with {Count(hidden.Sum(g => g.Connections), "connection", "connections")} " +
                       $"({string.Join(", ", verdicts)}); show them with [bold]--top {ordered.Count.ToString(CultureInfo.InvariantCulture)}[/], " +
                       "pick some with [bold]--verdict[/] or [bold]--cause[/], or list every connection with its evidence with [bold]--list all[/]");
        }
        if (groups.Ungrouped > 0)
        {
            Blank();
            MarkupLine($"{Count(groups.Ungrouped, "more connection", "more connections")} fell into groups beyond the first {N(ConnectionGroups.MaxGroups)} and were only counted; " +
                       "export them with [bold]-o FILE.csv[/]");
        }
    }

    private void WriteGroup(ConnectionGroup group)
    {
        ConnectionGroupKey key = group.Key;
        string verdict = key.Verdict is { } v ? VerdictMarkup(v, v.ToKebabCase().ToUpperInvariant()) : "NOT FLAGGED";
        string cause = key.Cause is { } c ? $"  [bold]{Esc(c.ToKebabCase())}[/]" : "";
        string connections = Count(group.Connections, "connection", "connections");
        Blank();
        MarkupLine($"  {verdict}{cause}  -> {Esc(ConnectionText.Endpoint(key.Server, key.Port))}  {connections}");
        Indented($"{GroupCounts(group)}; {TimeRange(group.FirstTime, group.LastTime)}");
        foreach (ConnectionExample example in group.Examples)
        {
            Indented($"{example.Uid}  {ConnectionText.Endpoint(example.ClientAddress, example.ClientPort)}  {Time(example.Time)}  {example.ConnState} {example.History}");
            if (example.Evidence is { } evidence)
                Indented(ShortEvidence(evidence), 8);
        }
    }

    /// <summary>Who reset the group's connections; for connections without a diagnosis, their conn_state.</summary>
    private static string GroupCounts(ConnectionGroup group)
    {
        if (group.Key.Verdict is null)
            return string.Join(", ", group.States.Select(p => $"{p.Key} {N(p.Value)}"));
        var parts = new List<string>();
        if (group.ResetByServer > 0)
            parts.Add($"by the server {N(group.ResetByServer)}");
        if (group.ResetByClient > 0)
            parts.Add($"by the client {N(group.ResetByClient)}");
        string reset = parts.Count > 0 ? "reset " + string.Join(", ", parts) : "";
        string withoutRst = group.WithoutRst > 0 ? $"{N(group.WithoutRst)} without a RST" : "";
        return string.Join(", ", new[] { reset, withoutRst }.Where(s => s.Length > 0));
    }

    /// <summary>"2024-03-11T08:00:01.522299Z to 08:12:30.000000Z": the date once when both times share it.</summary>
    private string TimeRange(long first, long last)
    {
        string from = Time(first);
        if (first == last)
            return "at " + from;
        string to = Time(last);
        int date = from.IndexOf('T', StringComparison.Ordinal); // ISO: the date ends at the T
        bool sameDay = _timeFormat == TimeFormat.Iso && date > 0 && to.Length > date && string.CompareOrdinal(from, 0, to, 0, date + 1) == 0;
        return $"{from} to {(sameDay ? to[(date + 1)..] : to)}";
    }

    /// <summary>The evidence's first clause, cut at a word to <see cref="ShortEvidenceLength"/> characters.</summary>
    private static string ShortEvidence(string evidence)
    {
        int clause = evidence.IndexOf("; ", StringComparison.Ordinal);
        string first = clause > 0 ? evidence[..clause] : evidence;
        string marker = clause > 0 ? "; ..." : "";
        if (first.Length + marker.Length <= ShortEvidenceLength)
            return first + marker;
        int cut = first.LastIndexOf(' ', Math.Min(ShortEvidenceLength - 4, first.Length - 1));
        return first[..(cut > 0 ? cut : ShortEvidenceLength - 4)].TrimEnd(',', ':', ';') + " ...";
    }
}
