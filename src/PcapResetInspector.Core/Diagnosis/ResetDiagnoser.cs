using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Kernel;
using static PcapResetInspector.Core.Diagnosis.EvidenceText;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Explains why a connection was reset: a pure function of its summary and, when the race
/// grouping supplies it, the race or scan it belongs to. The rules follow resets.md's evidence
/// table and are tried in a fixed order, most specific first (see <see cref="Classify"/>).
/// </summary>
public sealed partial class ResetDiagnoser
{
    private readonly DiagnosisOptions _options;
    private readonly long _idleGap;
    private readonly long _quietGap;
    private readonly long _unreadDataWindow;
    private readonly long _raceWindow;

    public ResetDiagnoser(DiagnosisOptions? options = null)
    {
        _options = options ?? new DiagnosisOptions();
        _options.Validate();
        _idleGap = DiagnosisOptions.Nanos(_options.IdleGap);
        _quietGap = DiagnosisOptions.Nanos(_options.QuietGap);
        _unreadDataWindow = DiagnosisOptions.Nanos(_options.UnreadDataWindow);
        _raceWindow = DiagnosisOptions.Nanos(_options.RaceWindow);
    }

    public DiagnosisOptions Options => _options;

    /// <summary>
    /// Diagnoses one connection. Returns null when there is nothing to explain: no RST was seen and
    /// the context does not make it a race loser.
    /// </summary>
    public ResetDiagnosis? Diagnose(ConnectionSummary connection, DiagnosisContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Diagnose(new ConnectionFacts(connection), context ?? DiagnosisContext.None);
    }

    internal ResetDiagnosis? Diagnose(ConnectionFacts facts, DiagnosisContext context)
    {
        if (context.Finding is { } member && facts.HasRst && FindingMember(facts, member) is { } flooded)
            return flooded;
        if (context.Scan is { } scan && facts.IsProbeShaped)
            return facts.HasRst ? ScanProbe(facts, scan) : null;
        if (context.Race is { } race && RaceLoser(facts, race) is { } loser)
            return loser;
        if (!facts.HasRst)
            return null;

        var signs = new ResetSigns(facts, _options);
        Finding finding = Classify(facts, signs);
        return Build(facts, finding, Stage(facts, signs));
    }

    /// <summary>One rule's conclusion: the cause, how sure, the evidence, and a log hint when the default one does not fit.</summary>
    private readonly record struct Finding(ResetCause Cause, DiagnosisConfidence Confidence, string Evidence, string? LogHint = null, Verdict? Verdict = null);

    private ResetDiagnosis Build(ConnectionFacts facts, Finding finding, ResetStage? stage,
        RaceMatch? race = null, SmbRaceVariant? variant = null, RaceGaps? gaps = null, HostFinding? hostFinding = null)
    {
        ConnectionSummary c = facts.Summary;
        string evidence = finding.Evidence;
        PriorConnection? prior = c.PreviousOnTuple;
        if (prior is not null && !evidence.Contains(prior.Uid, StringComparison.Ordinal))
        {
            evidence += "; follows " + prior.Uid + " (" + prior.ConnState + ") on the same tuple, last active " +
                        Duration(c.StartTime - prior.LastActivityTime) + " before";
        }
        if (facts.Resetter?.RstMptcpReason is { } mptcp)
            evidence += $"; the RST carries MPTCP's MP_TCPRST reason {mptcp} ({KernelVocabulary.DescribeMptcpReason(mptcp)}, RFC 8684 §3.6)";
        if (facts.Resetter?.RstDiagnostic is { } carried)
            evidence += "; " + RstDiagnosticReasons.Evidence(carried);
        else if (facts.Resetter is { RstPayloadLength: > 0 and var rstData })
            evidence += "; " + RstDiagnosticReasons.DataEvidence(rstData);
        bool bothSides = facts.HasRst && c.Originator.FirstRstTime != 0 && c.Responder.FirstRstTime != 0 &&
                         Math.Abs(c.Originator.FirstRstTime - c.Responder.FirstRstTime) <= DiagnosisOptions.Nanos(_options.SimultaneousResetTolerance);
        return new ResetDiagnosis
        {
            Uid = c.Uid,
            Connection = c,
            ResetBy = facts.ResetBy,
            ResetByRole = facts.HasRst ? (facts.ResetterIsClient ? HostRole.Client : HostRole.Server) : null,
            ClientParty = facts.ClientParty,
            Stage = stage,
            Cause = finding.Cause,
            Verdict = finding.Verdict ?? finding.Cause.UsualVerdict(),
            Confidence = finding.Confidence,
            Evidence = evidence,
            LogHint = finding.LogHint ?? LogHints.ForReceiver(facts, bothSides),
            TrailingRstAfterCleanClose = facts.HasRst && c.ConnState == "SF",
            RaceGroupId = race?.GroupId,
            RaceKind = race?.Kind,
            RaceVariant = variant,
            SiblingUid = race?.Winner.Uid,
            RaceGaps = gaps,
            PriorUid = prior?.Uid,
            HostFinding = hostFinding,
        };
    }

    /// <summary>Where the first RST came (see <see cref="ResetStage"/>).</summary>
    private ResetStage Stage(ConnectionFacts facts, ResetSigns signs)
    {
        if (signs.QuietBeforeReset >= _idleGap)
            return ResetStage.AfterIdleGap;
        if (!facts.ClientSentSyn && !facts.ServerAnsweredSyn)
            return ResetStage.MidStream;
        if (!facts.ServerAnsweredSyn)
            return ResetStage.HandshakeBeforeSynAck;
        if (!facts.ClientCompletedHandshake && !facts.DataBeforeRst)
            return ResetStage.HandshakeAfterSynAck;
        ConnectionSummary c = facts.Summary;
        long rst = c.FirstRstTime;
        long origFin = c.Originator.FirstFinTime is var o && o != 0 && o <= rst ? o : long.MaxValue;
        long respFin = c.Responder.FirstFinTime is var r && r != 0 && r <= rst ? r : long.MaxValue;
        if (origFin != long.MaxValue || respFin != long.MaxValue)
            return origFin <= respFin ? ResetStage.AfterFinByOriginator : ResetStage.AfterFinByResponder;
        return facts.DataBeforeRst ? ResetStage.EstablishedWithData : ResetStage.EstablishedNoData;
    }

    private static string Who(ConnectionFacts facts, EndpointSummary endpoint) =>
        (ReferenceEquals(endpoint, facts.Client) ? "client " : "server ") + Address(endpoint);

    private static DiagnosisConfidence ByScore(int score) =>
        score >= 3 ? DiagnosisConfidence.High : score == 2 ? DiagnosisConfidence.Medium : DiagnosisConfidence.Low;

    private static string TtlComparison(ConnectionFacts facts, ResetSigns signs)
    {
        EndpointSummary resetter = facts.Resetter!;
        string reference = signs.ReferenceFromPrior
            ? "the last packet of " + facts.Summary.PreviousOnTuple!.Uid + " from " + Address(resetter)
            : signs.ReferenceAfterRst
                ? Count(signs.NonRstPacketsAfterOwnRst, "later packet", "later packets") + " from " + Address(resetter)
                : Count(signs.PacketsBeforeRst, "earlier packet", "earlier packets") + " from " + Address(resetter);
        return "TTL " + Number(resetter.RstTtl) + " on the RST vs " + TtlRange(signs.ReferenceTtlMin, signs.ReferenceTtlMax) + " on " + reference;
    }

    private static string IpIdComparison(ConnectionFacts facts, ResetSigns signs) =>
        "IP-ID " + Hex16(facts.Resetter!.RstIpId) + " on the RST vs " + Hex16(signs.ReferenceIpId) +
        (signs.ReferenceFromPrior ? " at the end of " + facts.Summary.PreviousOnTuple!.Uid : " just before it") + " (no continuation)";
}
