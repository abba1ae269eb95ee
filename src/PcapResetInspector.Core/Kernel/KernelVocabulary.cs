using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Kernel;

/// <summary>
/// Linux's names for why it sent a RST (enum sk_rst_reason, include/net/rstreason.h, Linux 6.10+), and how they
/// map to and from the causes read off the wire.
/// </summary>
public static class KernelVocabulary
{
    /// <summary>The enum in its order, as tcp_send_reset's print fmt names the values (include/trace/events/tcp.h).</summary>
    public static readonly string[] Reasons =
    [
        "NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE", "TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK",
        "TCP_ACK_UNSENT_DATA", "TCP_FLAGS", "TCP_OLD_ACK", "TCP_ABORT_ON_DATA", "TCP_TIMEWAIT_SOCKET", "INVALID_SYN",
        "TCP_ABORT_ON_CLOSE", "TCP_ABORT_ON_LINGER", "TCP_ABORT_ON_MEMORY", "TCP_STATE", "TCP_KEEPALIVE_TIMEOUT",
        "TCP_DISCONNECT_WITH_DATA", "MPTCP_RST_EUNSPEC", "MPTCP_RST_EMPTCP", "MPTCP_RST_ERESOURCE", "MPTCP_RST_EPROHIBIT",
        "MPTCP_RST_EWQ2BIG", "MPTCP_RST_EBADPERF", "MPTCP_RST_EMIDDLEBOX", "ERROR",
    ];

    /// <summary>
    /// The reason a Linux stack would give for a RST of this cause, or null when no endpoint's stack sent it
    /// (a middlebox's idle timeout, an injection) or the wire says too little.
    /// </summary>
    public static string? Inferred(ResetCause cause) => cause switch
    {
        // No socket on the port (tcp_v4_send_reset from tcp_v4_rcv's no_tcp_socket path).
        ResetCause.Refused or ResetCause.HalfOpen or ResetCause.ScanProbe or ResetCause.SynAckReflection
            or ResetCause.FinThenRstTeardown or ResetCause.SynFlood => "NO_SOCKET",
        // close() with unread data: __tcp_close in net/ipv4/tcp.c.
        ResetCause.CloseWithUnreadData => "TCP_ABORT_ON_CLOSE",
        // SO_LINGER 0 or abort: tcp_disconnect sends TCP_STATE for a state that needs a reset.
        ResetCause.AbortiveClose or ResetCause.SmbRaceLoser or ResetCause.ParallelConnectLoser => "TCP_STATE",
        // The closed socket lives on as a timewait socket and answers data with a RST (tcp_timewait_state_process).
        ResetCause.DataAfterClose => "TCP_TIMEWAIT_SOCKET",
        ResetCause.KeepaliveFailure => "TCP_KEEPALIVE_TIMEOUT",
        // SYN_SENT taking an ACK that does not acknowledge its SYN (RFC 5961 §4 challenge ACK).
        ResetCause.PortReuseCollision => "TCP_INVALID_ACK_SEQUENCE",
        _ => null,
    };

    /// <summary>
    /// The kernel's name for an MP_TCPRST reason code carried on the wire (RFC 8684 §3.6; Linux numbers
    /// MPTCP_RST_EUNSPEC..MPTCP_RST_EMIDDLEBOX in the same order), or null for a code the RFC does not define.
    /// </summary>
    public static string? FromMptcpReason(int reason) =>
        reason is >= 0 and <= MptcpReasonMax ? Reasons[Array.IndexOf(Reasons, "MPTCP_RST_EUNSPEC") + reason] : null;

    private const int MptcpReasonMax = 6;

    /// <summary>RFC 8684 §3.6's words for an MP_TCPRST reason code.</summary>
    public static string DescribeMptcpReason(int reason) => reason switch
    {
        0 => "unspecified error",
        1 => "MPTCP-specific error",
        2 => "lack of resources",
        3 => "administratively prohibited",
        4 => "too much outstanding data",
        5 => "unacceptable performance",
        6 => "middlebox interference",
        _ => "a code RFC 8684 does not define",
    };

    /// <summary>True for a name of the enum (what the tracepoint printed was understood).</summary>
    public static bool IsKnown(string reason) => Array.IndexOf(Reasons, reason) >= 0;

    /// <summary>
    /// The cause the kernel's reason names, or null when it names none (NOT_SPECIFIED, ERROR, the ACK checks,
    /// MPTCP): then the wire's cause stands. A wire cause in the reason's agreeing set is kept as it is.
    /// </summary>
    public static ResetCause? CauseFor(string reason, ResetCause wire, ResetStage? stage)
    {
        if (Agrees(reason, wire))
            return wire;
        return reason switch
        {
            "NO_SOCKET" => stage == ResetStage.HandshakeBeforeSynAck ? ResetCause.Refused : ResetCause.HalfOpen,
            "TCP_ABORT_ON_CLOSE" => ResetCause.CloseWithUnreadData,
            "TCP_STATE" or "TCP_DISCONNECT_WITH_DATA" => ResetCause.AbortiveClose,
            "TCP_ABORT_ON_DATA" or "TCP_TIMEWAIT_SOCKET" => ResetCause.DataAfterClose,
            "TCP_KEEPALIVE_TIMEOUT" => ResetCause.KeepaliveFailure,
            // The local stack sent it, so it was not forged; the reason names no cause of ours.
            _ => wire == ResetCause.SuspectedInjection ? ResetCause.Unexplained : null,
        };
    }

    /// <summary>Whether the wire's cause is one the kernel's reason allows.</summary>
    public static bool Agrees(string reason, ResetCause wire) => reason switch
    {
        "NO_SOCKET" => wire is ResetCause.Refused or ResetCause.HalfOpen or ResetCause.ScanProbe or ResetCause.SynAckReflection
            or ResetCause.FinThenRstTeardown or ResetCause.SynFlood or ResetCause.SmbRaceLoser or ResetCause.ParallelConnectLoser
            or ResetCause.PortReuseCollision,
        "TCP_ABORT_ON_CLOSE" => wire is ResetCause.CloseWithUnreadData or ResetCause.SmbRaceLoser or ResetCause.ParallelConnectLoser,
        "TCP_STATE" => wire is ResetCause.AbortiveClose or ResetCause.SmbRaceLoser or ResetCause.ParallelConnectLoser or ResetCause.ScanProbe,
        "TCP_DISCONNECT_WITH_DATA" => wire is ResetCause.AbortiveClose,
        "TCP_ABORT_ON_DATA" => wire is ResetCause.DataAfterClose,
        "TCP_TIMEWAIT_SOCKET" => wire is ResetCause.DataAfterClose or ResetCause.FinThenRstTeardown or ResetCause.PortReuseCollision,
        "TCP_KEEPALIVE_TIMEOUT" => wire is ResetCause.KeepaliveFailure,
        "TCP_ABORT_ON_LINGER" => wire is ResetCause.FinThenRstTeardown or ResetCause.AbortiveClose or ResetCause.DataAfterClose,
        "TCP_INVALID_ACK_SEQUENCE" => wire is ResetCause.PortReuseCollision,
        // A reason that names no cause contradicts every cause but one: the kernel did send this RST.
        _ => wire is not ResetCause.SuspectedInjection,
    };
}
