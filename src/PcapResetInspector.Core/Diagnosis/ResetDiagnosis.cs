using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Kernel;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The explanation of one reset connection: who reset it, when, why, how sure, and what the
/// endpoint that received the RST would have logged. One per connection in which a RST was seen
/// (SF connections with a trailing RST included, see <see cref="TrailingRstAfterCleanClose"/>), plus
/// one per race loser that ended without a RST (variants D and E), because smbd may still log those.
/// </summary>
public sealed class ResetDiagnosis
{
    public required string Uid { get; init; }

    /// <summary>The connection as the connection tracker summarised it.</summary>
    public required ConnectionSummary Connection { get; init; }

    /// <summary>Which endpoint sent the first RST; null when no RST was seen (a graceful or unanswered race loser).</summary>
    public ResetParty? ResetBy { get; init; }

    /// <summary>Whether that endpoint is the client or the server; null when no RST was seen.</summary>
    public HostRole? ResetByRole { get; init; }

    /// <summary>Which party is the client (sent the first SYN; the originator when no SYN was seen).</summary>
    public required ResetParty ClientParty { get; init; }

    public ResetParty ServerParty => ClientParty == ResetParty.Originator ? ResetParty.Responder : ResetParty.Originator;

    public EndpointSummary Client => ClientParty == ResetParty.Originator ? Connection.Originator : Connection.Responder;

    public EndpointSummary Server => ClientParty == ResetParty.Originator ? Connection.Responder : Connection.Originator;

    /// <summary>When the first RST was seen (ns since the epoch); 0 when none was.</summary>
    public long ResetTime => Connection.FirstRstTime;

    /// <summary>Where in the connection the first RST came; null when no RST was seen.</summary>
    public ResetStage? Stage { get; init; }

    public required ResetCause Cause { get; init; }

    public required Verdict Verdict { get; init; }

    public required DiagnosisConfidence Confidence { get; init; }

    /// <summary>A short sentence with the numbers behind the diagnosis (invariant culture).</summary>
    public required string Evidence { get; init; }

    /// <summary>
    /// What the endpoint that received the RST would have logged: Samba's messages by version for an
    /// smbd on 139/445 reset by its client, otherwise the socket error (ECONNRESET, ECONNREFUSED).
    /// </summary>
    public required string LogHint { get; init; }

    /// <summary>The connection ended with FIN from both sides and a RST after them (Zeek still says SF).</summary>
    public bool TrailingRstAfterCleanClose { get; init; }

    /// <summary>The race group (numbered in the order groups are formed) this loser belongs to.</summary>
    public int? RaceGroupId { get; init; }

    public RaceKind? RaceKind { get; init; }

    /// <summary>For a 139/445 race loser: which of the shapes A-F of resets.md it has.</summary>
    public SmbRaceVariant? RaceVariant { get; init; }

    /// <summary>For a race loser: the uid of the sibling that carried on.</summary>
    public string? SiblingUid { get; init; }

    /// <summary>For a race loser: SYN to SYN and SYN to RST, in milliseconds.</summary>
    public RaceGaps? RaceGaps { get; init; }

    /// <summary>The earlier connection on the same 5-tuple (it left the table by a timer or was reused).</summary>
    public string? PriorUid { get; init; }

    /// <summary>The host-level finding (flood, reflection, scan) this connection is a member of, if any.</summary>
    public HostFinding? HostFinding { get; init; }

    /// <summary>The finding's id ("F1"), or null.</summary>
    public string? FindingId => HostFinding?.Id;

    /// <summary>The local kernel's tcp_send_reset event for the first RST (capture --kernel-reasons), or null.</summary>
    public KernelResetEvent? Kernel { get; init; }

    /// <summary>
    /// The local kernel's tcp_receive_reset event for the first RST: a socket of this host took it (capture
    /// --kernel-reasons), with the state the socket was in, when known; null otherwise.
    /// </summary>
    public KernelResetEvent? KernelReceived { get; init; }

    /// <summary>The cause the wire alone gave, when the kernel's reason overrode it; null otherwise.</summary>
    public ResetCause? WireCause { get; init; }

    /// <summary>
    /// The kernel reason the wire evidence implies (<see cref="KernelVocabulary.Inferred"/> of the wire's cause), for
    /// every reset however it was captured; null without a RST or when no endpoint's stack sent it.
    /// </summary>
    public string? InferredKernelReason => ResetBy is not { } by ? null
        // A reason the RST itself carries (MP_TCPRST) is more precise than one read off the connection's shape.
        : (by == ResetParty.Originator ? Connection.Originator : Connection.Responder).RstMptcpReason is { } mptcp && KernelVocabulary.FromMptcpReason(mptcp) is { } carried
            ? carried
            : KernelVocabulary.Inferred(WireCause ?? Cause);

    /// <summary>A copy with the kernel's events joined, its cause, verdict and confidence as the kernel settles them.</summary>
    public ResetDiagnosis WithKernel(KernelResetEvent? sent, KernelResetEvent? received, ResetCause cause, Verdict verdict,
        DiagnosisConfidence confidence, string evidence) => new()
    {
        Uid = Uid,
        Connection = Connection,
        ResetBy = ResetBy,
        ResetByRole = ResetByRole,
        ClientParty = ClientParty,
        Stage = Stage,
        Cause = cause,
        Verdict = verdict,
        Confidence = confidence,
        Evidence = evidence,
        LogHint = LogHint,
        TrailingRstAfterCleanClose = TrailingRstAfterCleanClose,
        RaceGroupId = RaceGroupId,
        RaceKind = RaceKind,
        RaceVariant = RaceVariant,
        SiblingUid = SiblingUid,
        RaceGaps = RaceGaps,
        PriorUid = PriorUid,
        HostFinding = HostFinding,
        Kernel = sent,
        KernelReceived = received,
        WireCause = cause == Cause ? null : Cause,
    };

    public override string ToString() =>
        Uid + " " + Cause.ToKebabCase() + " " + Verdict.ToKebabCase() + " (" + Confidence.ToKebabCase() + "): " + Evidence;
}
