namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Stable kebab-case names for the diagnosis enums, as reports and exports print them. They are
/// spelled out here, not derived from the member names, so they stay the same across refactorings.
/// </summary>
public static class DiagnosisNames
{
    public static string ToKebabCase(this ResetCause cause) => cause switch
    {
        ResetCause.Refused => "refused",
        ResetCause.SmbRaceLoser => "smb-race-loser",
        ResetCause.ParallelConnectLoser => "parallel-connect-loser",
        ResetCause.AbortiveClose => "abortive-close",
        ResetCause.CloseWithUnreadData => "close-with-unread-data",
        ResetCause.DataAfterClose => "data-after-close",
        ResetCause.HalfOpen => "half-open",
        ResetCause.IdleTimeout => "idle-timeout",
        ResetCause.KeepaliveFailure => "keepalive-failure",
        ResetCause.SuspectedInjection => "suspected-injection",
        ResetCause.ScanProbe => "scan-probe",
        ResetCause.PortReuseCollision => "port-reuse-collision",
        ResetCause.SynAckReflection => "syn-ack-reflection",
        ResetCause.SynFlood => "syn-flood",
        ResetCause.FinThenRstTeardown => "fin-then-rst",
        ResetCause.Unexplained => "unexplained",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };

    public static string ToKebabCase(this ResetStage stage) => stage switch
    {
        ResetStage.HandshakeBeforeSynAck => "handshake-before-synack",
        ResetStage.HandshakeAfterSynAck => "handshake-after-synack",
        ResetStage.EstablishedNoData => "established-no-data",
        ResetStage.EstablishedWithData => "established-with-data",
        ResetStage.AfterFinByOriginator => "after-fin-by-originator",
        ResetStage.AfterFinByResponder => "after-fin-by-responder",
        ResetStage.AfterIdleGap => "after-idle-gap",
        ResetStage.MidStream => "mid-stream",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public static string ToKebabCase(this Verdict verdict) => verdict switch
    {
        Verdict.Benign => "benign",
        Verdict.Actionable => "actionable",
        Verdict.Suspicious => "suspicious",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    public static string ToKebabCase(this DiagnosisConfidence confidence) => confidence switch
    {
        DiagnosisConfidence.High => "high",
        DiagnosisConfidence.Medium => "medium",
        DiagnosisConfidence.Low => "low",
        _ => throw new ArgumentOutOfRangeException(nameof(confidence), confidence, null),
    };

    /// <summary>Zeek's words for the two parties (id.orig_h, id.resp_h): one vocabulary in CSV, JSON and conn.log.</summary>
    public static string ToZeekName(this ResetParty party) => party switch
    {
        ResetParty.Originator => "orig",
        ResetParty.Responder => "resp",
        _ => throw new ArgumentOutOfRangeException(nameof(party), party, null),
    };

    public static string ToKebabCase(this HostRole role) => role switch
    {
        HostRole.Client => "client",
        HostRole.Server => "server",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static string ToKebabCase(this RaceKind kind) => kind switch
    {
        RaceKind.Smb139And445 => "smb-139-445",
        RaceKind.ParallelConnect => "parallel-connect",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Reads a cause back from its kebab-case name (for filters such as --cause smb-race-loser).</summary>
    public static bool TryParseCause(string? name, out ResetCause cause)
    {
        foreach (ResetCause candidate in Enum.GetValues<ResetCause>())
        {
            if (string.Equals(candidate.ToKebabCase(), name, StringComparison.OrdinalIgnoreCase))
            {
                cause = candidate;
                return true;
            }
        }
        cause = default;
        return false;
    }

    /// <summary>The usual verdict for each cause (resets.md, column "usual verdict").</summary>
    public static Verdict UsualVerdict(this ResetCause cause) => cause switch
    {
        ResetCause.SmbRaceLoser or ResetCause.ParallelConnectLoser or ResetCause.AbortiveClose
            or ResetCause.DataAfterClose or ResetCause.FinThenRstTeardown => Verdict.Benign,
        ResetCause.PortReuseCollision => Verdict.Benign,
        ResetCause.SuspectedInjection or ResetCause.ScanProbe or ResetCause.SynAckReflection or ResetCause.SynFlood => Verdict.Suspicious,
        // Refused is actionable if the port should be open; close-with-unread-data is a possible
        // application bug; half-open, idle timeout and keep-alive failure point at a host or path;
        // an unexplained reset deserves a look.
        _ => Verdict.Actionable,
    };
}
