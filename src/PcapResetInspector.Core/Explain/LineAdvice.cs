using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Explain;

/// <summary>What a matched log line means for the person reading the log: a few words per cause and one sentence per line.</summary>
public static class LineAdvice
{
    /// <summary>A few words for a cause, to be read after "is" or in a list.</summary>
    public static string Short(ResetCause cause) => cause switch
    {
        ResetCause.Refused => "a refused connect",
        ResetCause.SmbRaceLoser => "the 139/445 race",
        ResetCause.ParallelConnectLoser => "a discarded parallel connect",
        ResetCause.AbortiveClose => "an abortive close",
        ResetCause.CloseWithUnreadData => "a close with unread data",
        ResetCause.DataAfterClose => "data sent after close",
        ResetCause.HalfOpen => "a half-open connection",
        ResetCause.IdleTimeout => "an idle timeout",
        ResetCause.KeepaliveFailure => "a keep-alive failure",
        ResetCause.SuspectedInjection => "a suspected injected RST",
        ResetCause.ScanProbe => "a scan probe",
        ResetCause.PortReuseCollision => "a port-reuse collision",
        ResetCause.SynAckReflection => "SYN-ACK reflection",
        ResetCause.SynFlood => "a SYN flood",
        ResetCause.FinThenRstTeardown => "a RST after a FIN close",
        _ => "an unexplained reset",
    };

    /// <summary>The verdict a line gets: that of its connection, or of all its candidates when they agree; null otherwise.</summary>
    public static Verdict? VerdictOf(LogLineMatch match)
    {
        if (match.Candidates.Count == 0 || match.Candidates.Any(c => c.Diagnosis is null))
            return null;
        Verdict first = match.Candidates[0].Diagnosis!.Verdict;
        return match.Candidates.All(c => c.Diagnosis!.Verdict == first) ? first : null;
    }

    /// <summary>The cause a line gets, likewise.</summary>
    public static ResetCause? CauseOf(LogLineMatch match)
    {
        if (match.Candidates.Count == 0 || match.Candidates.Any(c => c.Diagnosis is null))
            return null;
        ResetCause first = match.Candidates[0].Diagnosis!.Cause;
        return match.Candidates.All(c => c.Diagnosis!.Cause == first) ? first : null;
    }

    /// <summary>One sentence: does this log line need action?</summary>
    public static string Sentence(LogLineMatch match)
    {
        if (match.Kind == LogMatchKind.None)
            return "Cannot tell: no connection in the capture fits this line.";
        string all = match.IsAmbiguous ? $" (all {match.Candidates.Count} candidates)" : "";
        if (match.Candidates.All(c => c.Diagnosis is null))
        {
            CandidateConnection c = match.Candidates[0];
            return $"No reset on the wire: the connection ended without RST (history {c.Connection.History}){all}; the peer closed it, nothing on the network to fix.";
        }
        if (VerdictOf(match) is not { } verdict)
            return $"Ambiguous: the {match.Candidates.Count} candidate connections have different verdicts; look at each.";
        string cause = CauseOf(match) is { } c1 ? Short(c1) : "resets of several causes";
        return verdict switch
        {
            Verdict.Benign => $"No action needed: this is {cause}, normal operation{all}.",
            Verdict.Actionable => $"Worth a look: {cause}{all}; the evidence says what to check.",
            _ => $"Possibly hostile: {cause}{all}; see the evidence and the finding.",
        };
    }
}
