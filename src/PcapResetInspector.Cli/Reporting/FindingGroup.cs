using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// The findings of one kind about one host (a scanner's episodes, the floods aimed at one server),
/// which the report shows as one line with their totals.
/// </summary>
public sealed class FindingGroup
{
    private readonly List<HostFinding> _findings = [];

    private FindingGroup(FindingKind kind, IpAddress128 host)
    {
        Kind = kind;
        Host = host;
    }

    public FindingKind Kind { get; }

    /// <summary>The scanner, the flood's target or the reflection's victim.</summary>
    public IpAddress128 Host { get; }

    /// <summary>In the order they were found.</summary>
    public IReadOnlyList<HostFinding> Findings => _findings;

    public long FirstTime => _findings.Min(f => f.FirstTime);
    public long LastTime => _findings.Max(f => f.LastTime);

    /// <summary>Probes of a scan; SYNs of a flood; SYN-ACKs of a reflection (what each finding's summary counts first).</summary>
    public long Packets => _findings.Sum(f => f.Kind == FindingKind.PortScan ? f.Connections : f.Packets);

    /// <summary>The flooded ports, in order.</summary>
    public IEnumerable<ushort> Ports => _findings.Select(f => f.Port).Distinct().Order();

    /// <summary>
    /// Groups by kind and host; the largest (by <see cref="Packets"/>) first, then in the order found, so
    /// a report cut to the top few keeps the biggest.
    /// </summary>
    public static IReadOnlyList<FindingGroup> Group(IEnumerable<HostFinding> findings)
    {
        var groups = new Dictionary<(FindingKind, IpAddress128), FindingGroup>();
        var order = new List<FindingGroup>();
        foreach (HostFinding finding in findings)
        {
            if (!groups.TryGetValue((finding.Kind, finding.Host), out FindingGroup? group))
            {
                group = new FindingGroup(finding.Kind, finding.Host);
                groups.Add((finding.Kind, finding.Host), group);
                order.Add(group);
            }
            group._findings.Add(finding);
        }
        // OrderByDescending is stable: equal groups stay in the order found.
        return order.OrderByDescending(g => g.Packets).ToList();
    }
}
