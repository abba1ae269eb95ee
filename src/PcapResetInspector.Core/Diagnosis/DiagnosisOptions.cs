namespace PcapResetInspector.Core.Diagnosis;

/// <summary>Thresholds of the reset diagnosis and the race grouping. The defaults follow resets.md.</summary>
public sealed class DiagnosisOptions
{
    /// <summary>
    /// 139 and 445 connects from one client to one server whose first SYNs are this close form one
    /// race; so does a fresh connect that starts this soon after a probe closed (three-member groups).
    /// </summary>
    public TimeSpan RaceWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Parallel connects to one service port whose SYNs are this close may be one Happy Eyeballs race
    /// (RFC 8305 §5 recommends 250 ms between attempts).
    /// </summary>
    public TimeSpan ParallelConnectWindow { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The window in which a source's fan-out is counted for the scan test.</summary>
    public TimeSpan ScanWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A source with probe-shaped connects to at least this many distinct ports within the scan window is scanning.</summary>
    public int ScanFanOutPorts { get; set; } = 5;

    /// <summary>A source with probe-shaped connects to at least this many distinct hosts within the scan window is scanning.</summary>
    public int ScanFanOutHosts { get; set; } = 5;

    /// <summary>
    /// A RST after this much silence is an idle-timeout suspect. Azure's load balancer drops idle
    /// flows after 4 min, AWS's NLB after 350 s; 10 s less than the shortest, for where the capture sits.
    /// </summary>
    public TimeSpan IdleGap { get; set; } = TimeSpan.FromSeconds(230);

    /// <summary>A pause this long before the data a stateless RST answers supports a half-open diagnosis (time for a restart or fail-over).</summary>
    public TimeSpan QuietGap { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A RST this soon after the peer's unanswered data counts as closing with unread data.</summary>
    public TimeSpan UnreadDataWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>RSTs to both sides this close together came from one device at one instant (a middlebox).</summary>
    public TimeSpan SimultaneousResetTolerance { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A RST whose TTL is further than this from every earlier packet of its purported sender did not come from that sender.</summary>
    public int TtlTolerance { get; set; } = 2;

    /// <summary>
    /// A RST whose IPv4 ID is 1 to this many steps after its sender's previous packet continues that
    /// sender's counter; anything else says the stack that sent it is not the one that sent the rest.
    /// </summary>
    public int IpIdContinuationWindow { get; set; } = 4096;

    /// <summary>
    /// How long after its SYN a short-lived probe may still be leaving the connection table: Zeek's 5 s
    /// close and attempt delays plus a second. Probe-shaped connections wait this long past the scan
    /// window so that the fan-out count is complete.
    /// </summary>
    public TimeSpan ProbeSettle { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// How long a 139/445 race loser waits for its winner to leave the connection table, counted from its
    /// SYN in network time. Null (the default) waits until the winner shows up or the input ends,
    /// which is right for capture files, where an SMB session may outlive its loser by hours; set it
    /// for long live captures so that lone losers are reported sooner.
    /// </summary>
    public TimeSpan? RaceHoldLimit { get; set; }

    /// <summary>How long a parallel-connect loser waits for its winner, from its SYN in network time.</summary>
    public TimeSpan ParallelConnectHoldLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long after its SYN a 139/445 winner is remembered for losers still to come: a graceful
    /// loser (variant D, S2) stays in the connection table until Zeek's 300 s inactivity timeout.
    /// </summary>
    public TimeSpan SiblingRetention { get; set; } = TimeSpan.FromMinutes(6);

    /// <summary>
    /// How long after its SYN a data-carrying connection is remembered as a possible parallel-connect
    /// winner: a discarded attempt is reset within a few seconds and leaves the table 5 s later.
    /// Every short connection is remembered this long, so keep it short on busy links.
    /// </summary>
    public TimeSpan ParallelSiblingRetention { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The most connections held back at once; beyond it the oldest is judged with what is known. A held
    /// connection keeps its whole summary (about 2 KB with its facts), so this bounds the stage's memory under a flood
    /// of refused SYNs.
    /// </summary>
    public int MaxHeldConnections { get; set; } = 20_000;

    /// <summary>
    /// The most probe-shaped connects remembered for scan detection; beyond it the oldest are forgotten.
    /// A SYN flood from spoofed sources would otherwise keep one per source for the whole scan window.
    /// </summary>
    public int MaxRememberedProbes { get; set; } = 100_000;

    /// <summary>The window in which a target's failed attempts (or a host's unsolicited SYN-ACKs) are counted for the flood and reflection findings.</summary>
    public TimeSpan FloodWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A SYN flood: at least this many attempts whose handshake never completed to one server port within
    /// <see cref="FloodWindow"/>, from at least <see cref="FloodMinSources"/> sources.
    /// </summary>
    public int FloodMinAttempts { get; set; } = 200;

    public int FloodMinSources { get; set; } = 100;

    /// <summary>SYN-ACK reflection: at least this many connections of unsolicited SYN-ACKs to one host within <see cref="FloodWindow"/>...</summary>
    public int ReflectionMinConnections { get; set; } = 20;

    /// <summary>... from at least this many distinct sources.</summary>
    public int ReflectionMinSources { get; set; } = 10;

    internal void Validate()
    {
        if (RaceWindow < TimeSpan.Zero || ParallelConnectWindow < TimeSpan.Zero || ScanWindow < TimeSpan.Zero ||
            IdleGap < TimeSpan.Zero || QuietGap < TimeSpan.Zero || UnreadDataWindow < TimeSpan.Zero ||
            SimultaneousResetTolerance < TimeSpan.Zero || ProbeSettle < TimeSpan.Zero ||
            SiblingRetention < TimeSpan.Zero || ParallelSiblingRetention < TimeSpan.Zero ||
            ParallelConnectHoldLimit < TimeSpan.Zero || RaceHoldLimit < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DiagnosisOptions), "Diagnosis time spans cannot be negative.");
        }
        if (ScanFanOutPorts < 2 || ScanFanOutHosts < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(DiagnosisOptions), "A scan fans out to at least 2 ports or hosts.");
        }
        if (FloodWindow <= TimeSpan.Zero || FloodMinAttempts < 2 || FloodMinSources < 2 || ReflectionMinConnections < 2 || ReflectionMinSources < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(DiagnosisOptions), "FloodWindow must be positive; the flood and reflection thresholds at least 2.");
        }
        if (TtlTolerance < 0 || IpIdContinuationWindow < 1 || MaxHeldConnections < 1 || MaxRememberedProbes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DiagnosisOptions), "TtlTolerance must be >= 0; IpIdContinuationWindow, MaxHeldConnections and MaxRememberedProbes >= 1.");
        }
    }

    internal static long Nanos(TimeSpan span) => span.Ticks * 100;
}
