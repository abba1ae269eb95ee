using PcapResetInspector.Core.Logs;

namespace PcapResetInspector.Core.Explain;

/// <summary>How a log line was tied to the capture, from the most certain to nothing.</summary>
public enum LogMatchKind
{
    /// <summary>The line names the peer's address and port: one connection.</summary>
    Exact,
    /// <summary>The line names the peer's address only: its connections that ended at that time.</summary>
    Address,
    /// <summary>The line names no peer: the connections reset at that time.</summary>
    Time,
    /// <summary>Nothing in the capture fits.</summary>
    None,
}

/// <summary>Why a line matched nothing.</summary>
public enum NoMatchReason
{
    None,
    OutsideCapture,
    UnknownNetBiosName,
    PeerNotInCapture,
    NothingNearTime,
}

/// <summary>One log line and the connection(s) it is about.</summary>
public sealed class LogLineMatch
{
    public required LogResetLine Line { get; init; }
    public required LogMatchKind Kind { get; init; }
    /// <summary>The connections that fit, best first; more than one is an ambiguous match, listed rather than chosen.</summary>
    public IReadOnlyList<CandidateConnection> Candidates { get; init; } = [];
    /// <summary>One sentence: how the line was matched, or why nothing fits.</summary>
    public required string How { get; init; }
    public NoMatchReason Reason { get; init; }
    /// <summary>The line's time in UTC (ns since the epoch), after the clock offset was applied.</summary>
    public required long UtcNanos { get; init; }
    /// <summary>The offset of the log's clock from UTC that was applied.</summary>
    public required TimeSpan Offset { get; init; }

    public bool IsAmbiguous => Candidates.Count > 1;

    public CandidateConnection? Best => Candidates.Count > 0 ? Candidates[0] : null;
}

/// <summary>The clock offset chosen for a log file, and how many lines support it.</summary>
public sealed class LogClockOffset
{
    public required TimeSpan Offset { get; init; }
    /// <summary>How it was found: given by the user, carried by the lines, inferred, or assumed (UTC).</summary>
    public required OffsetSource Source { get; init; }
    /// <summary>Lines naming a peer that match a connection at this offset.</summary>
    public int SupportingLines { get; init; }
    /// <summary>Lines naming a peer, all of which were tried.</summary>
    public int LinesTried { get; init; }
    /// <summary>A second offset one hour away that explains other lines: a daylight-saving change inside the log.</summary>
    public TimeSpan? Secondary { get; init; }
    public int SecondaryLines { get; init; }
}

public enum OffsetSource
{
    Given,
    InLines,
    Inferred,
    Assumed,
}
