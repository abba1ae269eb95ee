using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>Everything the report shows, gathered by the command that ran.</summary>
public sealed class ReportData
{
    public required CaptureStatistics Capture { get; init; }
    public required ConnectionTracker Tracker { get; init; }
    public required ConnectionCounter Connections { get; init; }
    public required ResetStatistics Resets { get; init; }
    public required ReportRows Rows { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required bool Interrupted { get; init; }
    public required ConnectionSelection Selection { get; init; }
    public required int RaceGroups { get; init; }

    /// <summary>Host-level findings (floods, reflection, scans), each shown once.</summary>
    public IReadOnlyList<HostFinding> Findings { get; init; } = [];

    /// <summary>False when the rows went to an export: the report then only summarises.</summary>
    public required bool ListRows { get; init; }

    /// <summary>Groups or every one: how the listed connections and the findings are shown.</summary>
    public ReportListing Listing { get; init; } = new();

    /// <summary>Where the packets came from, for the first line: "1 file", "interface eth0".</summary>
    public string? Source { get; init; }

    /// <summary>Packets written by --write-flagged, if it was given.</summary>
    public long? FlaggedPackets { get; init; }

    /// <summary>The -f expression with the packets it kept out of those read, if one was given.</summary>
    public (string Expression, long Matched, long Read)? Filter { get; init; }
    /// <summary>--start/--end: packets read outside the window (not analysed), of all read.</summary>
    public (long Outside, long Read)? Window { get; init; }
}

/// <summary>
/// How the report lists what it found: by default in groups, the most serious first and only the top
/// few, so that a capture with thousands of resets still reads in a screenful; or every connection
/// and finding one by one (--list all).
/// </summary>
public sealed record ReportListing
{
    public const int DefaultTop = 20;

    /// <summary>How many groups of connections, and of findings, are shown (--top).</summary>
    public int Top { get; init; } = DefaultTop;

    /// <summary>Every listed connection one by one with its evidence, and every finding (--list all).</summary>
    public bool Every { get; init; }

    /// <summary>Connections shown as examples of each group.</summary>
    public int Examples { get; init; } = 3;
}
