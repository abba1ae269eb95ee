namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Why a connection was reset: the causes of resets.md ("Causes to tell apart, and the packet
/// evidence for each"). Output uses the kebab-case names of <see cref="DiagnosisNames"/>, not these
/// member names, so renaming a member never changes a report.
/// </summary>
public enum ResetCause
{
    /// <summary>SYN answered by RST,ACK (seq 0, ack = ISN+1) and no SYN-ACK: a closed port or a firewall REJECT (Zeek REJ).</summary>
    Refused,
    /// <summary>The discarded connection of a Windows client's simultaneous 139/445 connects (resets.md variants A-F).</summary>
    SmbRaceLoser,
    /// <summary>The discarded attempt of parallel connects to one service (RFC 8305 Happy Eyeballs).</summary>
    ParallelConnectLoser,
    /// <summary>An application aborted an established connection (SO_LINGER 0, abort()): RST at SND.NXT, no FIN, nothing after.</summary>
    AbortiveClose,
    /// <summary>RST instead of FIN right after the peer's last data, which the resetter never answered (Linux TCPAbortOnClose).</summary>
    CloseWithUnreadData,
    /// <summary>One side sent FIN, the peer kept sending, and the late data was answered with RST.</summary>
    DataAfterClose,
    /// <summary>The resetter had lost the connection (restart, fail-over, lost NAT state): a stateless RST answering the peer's data.</summary>
    HalfOpen,
    /// <summary>A firewall, NAT or load balancer dropped the idle connection and reset it (AWS NLB 350 s, Azure LB 4 min).</summary>
    IdleTimeout,
    /// <summary>TCP keep-alives went unanswered and the prober gave up with a RST (RFC 9293 §3.8.4).</summary>
    KeepaliveFailure,
    /// <summary>The RST does not look like it came from the endpoint it claims to be from (IPS, censor, attacker).</summary>
    SuspectedInjection,
    /// <summary>One of many connects from one source to many ports or hosts: a port scan.</summary>
    ScanProbe,
    /// <summary>A SYN on a 4-tuple the server still held, answered by a challenge ACK and reset by the client, which retries (RFC 5961 §4).</summary>
    PortReuseCollision,
    /// <summary>The victim's answer to a SYN-ACK it never asked for: someone spoofed its address (SYN-ACK reflection or backscatter).</summary>
    SynAckReflection,
    /// <summary>One attempt of a SYN flood: many SYNs from many sources to one server port, the handshakes never completed.</summary>
    SynFlood,
    /// <summary>A RST after a normal FIN exchange, answering a late ACK or FIN.</summary>
    FinThenRstTeardown,
    /// <summary>None of the rules matched; the evidence still says what was seen.</summary>
    Unexplained,
}

/// <summary>The usual verdict on a reset (resets.md, column "usual verdict").</summary>
public enum Verdict
{
    /// <summary>Normal operation: nothing to fix, even if a log says "Connection reset by peer".</summary>
    Benign,
    /// <summary>Something to look at: a closed port, a restarted host, an idle timeout below the keep-alive interval, an application bug.</summary>
    Actionable,
    /// <summary>Possibly hostile: forged RSTs, scans. The evidence says how sure the diagnosis is.</summary>
    Suspicious,
}

/// <summary>How strongly the packet evidence supports the diagnosis.</summary>
public enum DiagnosisConfidence
{
    /// <summary>Every sign of the cause is present and nothing contradicts it.</summary>
    High,
    /// <summary>The main sign is present, a supporting one is missing.</summary>
    Medium,
    /// <summary>The shape fits, but other causes fit too.</summary>
    Low,
}

/// <summary>One of the two endpoints of a connection, in Zeek's terms.</summary>
public enum ResetParty
{
    Originator,
    Responder,
}

/// <summary>
/// Client or server: the client is the side that sent the first SYN, or the originator when no SYN
/// was seen; the server is the other side.
/// </summary>
public enum HostRole
{
    Client,
    Server,
}
