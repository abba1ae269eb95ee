using System.Globalization;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;
using Spectre.Console;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>Host-level findings, grouped by kind and host: a scanner seen in 60 episodes is one line, not 60.</summary>
public sealed partial class TerminalReport
{
    private void WriteFindings(IReadOnlyList<HostFinding> findings, ReportListing listing)
    {
        if (findings.Count == 0)
            return;
        IReadOnlyList<FindingGroup> groups = FindingGroup.Group(findings);
        int shown = listing.Every ? groups.Count : Math.Min(listing.Top, groups.Count);
        string grouped = groups.Count < findings.Count ? $" in {N(groups.Count)} groups of the same kind and host" : "";
        Blank();
        MarkupLine($"[bold]Host-level findings[/] ({VerdictMarkup(Verdict.Suspicious, "suspicious")} {N(findings.Count)}){grouped}");
        foreach (FindingGroup group in groups.Take(shown))
        {
            if (group.Findings.Count == 1)
            {
                WriteFinding(group.Findings[0], indent: 2);
                continue;
            }
            Indented($"{GroupSummary(group)}; {TimeRange(group.FirstTime, group.LastTime)}", 2);
            int episodes = listing.Every ? group.Findings.Count : Math.Min(listing.Examples, group.Findings.Count);
            foreach (HostFinding finding in group.Findings.Take(episodes))
                WriteFinding(finding, indent: 4);
            int more = group.Findings.Count - episodes;
            if (more > 0)
                Indented($"... and {N(more)} more {EpisodeNoun(group.Kind, more)} (--list all shows every one)", 4);
        }

        if (shown < groups.Count)
        {
            var hidden = groups.Skip(shown).ToList();
            MarkupLine($"  Not shown: {Count(hidden.Count, "more group", "more groups")} with {Count(hidden.Sum(g => g.Findings.Count), "finding", "findings")}; " +
                       $"show them with [bold]--top {groups.Count.ToString(CultureInfo.InvariantCulture)}[/], or every finding with [bold]--list all[/]");
        }
    }

    private void WriteFinding(HostFinding finding, int indent) =>
        Indented($"{finding.Id}  {finding.Summary}; {Time(finding.FirstTime)} to {Time(finding.LastTime)}", indent);

    /// <summary>"port scan from 10.0.0.9: 61 episodes, 4,321 probes": the totals over the group's findings.</summary>
    internal static string GroupSummary(FindingGroup group)
    {
        string host = IpAddress128.Format(group.Host);
        string findings = Count(group.Findings.Count, EpisodeNoun(group.Kind, 1), EpisodeNoun(group.Kind, 2));
        return group.Kind switch
        {
            FindingKind.SynFlood => $"SYN flood aimed at {host} {(group.Ports.Count() == 1 ? "port" : "ports")} " +
                                    $"{string.Join(", ", group.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)))}: {findings}, {N(group.Packets)} SYNs",
            FindingKind.SynAckReflection => $"SYN-ACK reflection aimed at {host}: {findings}, {N(group.Packets)} SYN-ACKs",
            _ => $"port scan from {host}: {findings}, {N(group.Packets)} probes",
        };
    }

    /// <summary>A scan or a reflection comes back in episodes; floods on one host may also be on several ports at once.</summary>
    private static string EpisodeNoun(FindingKind kind, long count) => (kind, count) switch
    {
        (FindingKind.SynFlood, 1) => "flood",
        (FindingKind.SynFlood, _) => "floods",
        (_, 1) => "episode",
        _ => "episodes",
    };
}
