namespace PcapResetInspector.Core.Connections;

/// <summary>Settings of the connection table and Zeek's TCP timers (zeek-conn-semantics §2.3; init-bare.zeek defaults).</summary>
public sealed class ConnectionTrackerOptions
{
    /// <summary>
    /// Zeek's likely_server_ports with the default script set: the TCP ports of every analyzer registered
    /// for ports in base/protocols (zeek-conn-semantics §4.4). Used to pick the originator of a
    /// connection whose first packet is not a pure SYN.
    /// </summary>
    public static readonly IReadOnlyList<ushort> DefaultLikelyServerPorts =
    [
        21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 514, 563, 585, 587, 614, 631,
        636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432,
        6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
    ];

    /// <summary>Ports that base/protocols/conn/inactivity.zeek gives a 1 h inactivity timeout (FTP, SSH, telnet, rlogin).</summary>
    public static readonly IReadOnlyList<ushort> DefaultLongInactivityPorts = [21, 22, 23, 513];

    /// <summary>Put the outer and inner VLAN ids in the connection key (Zeek's vlan_fivetuple conn-key plugin).</summary>
    public bool IncludeVlanInKey { get; set; }

    /// <summary>
    /// Drop packets with a bad TCP checksum and mark them C/c, as Zeek does without -C. Off by default:
    /// captures taken on the server itself carry offloaded (unfilled) checksums on every sent packet.
    /// </summary>
    public bool VerifyChecksums { get; set; }

    /// <summary>
    /// The default <see cref="MaxConnections"/>. A live connection costs about 950 bytes (its 856-byte
    /// record, its hash-table entry and its timer-queue entries), so 100,000 keep the table near 95 MB
    /// whatever a SYN flood sends, and a whole analysis of a flood of a million attempts under 300 MB.
    /// That is more connections than a busy server keeps open at once. Under a flood the half-open
    /// attempts go first, each after about 100,000 / (attempts per second) seconds in the table: 5 s at
    /// 20,000 a second, long enough for the SYN-ACK retransmissions of the first 3 s to stay in one piece.
    /// </summary>
    public const int DefaultMaxConnections = 100_000;

    /// <summary>
    /// Most connections held at once; 0 means no limit. A new connection beyond it evicts one: the least
    /// recently active half-open one (only one host has sent anything, or the handshake never got
    /// past SYN and SYN-ACK) first, then the least recently
    /// active one that already closed, and only then the least recently active of any kind. Evicted
    /// connections reach the sink like the others, with <see cref="RemovalReason.Evicted"/>.
    /// </summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    public IReadOnlyList<ushort> LikelyServerPorts { get; set; } = DefaultLikelyServerPorts;
    public IReadOnlyList<ushort> LongInactivityPorts { get; set; } = DefaultLongInactivityPorts;

    /// <summary>tcp_attempt_delay: an unanswered SYN is given up after this long.</summary>
    public TimeSpan AttemptDelay { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>tcp_close_delay: a completely closed connection lingers this long for stray packets.</summary>
    public TimeSpan CloseDelay { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>tcp_connection_linger: idle time before the expire timer may remove a half-closed connection.</summary>
    public TimeSpan ConnectionLinger { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>tcp_SYN_timeout: first run of the expire timer after a connection is created.</summary>
    public TimeSpan SynTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>tcp_session_timer: period of the expire timer.</summary>
    public TimeSpan SessionTimer { get; set; } = TimeSpan.FromSeconds(6);
    /// <summary>The inactivity timeout a TCP connection starts with (Zeek reuses udp_inactivity_timeout).</summary>
    public TimeSpan InitialInactivityTimeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>tcp_inactivity_timeout, in force once an endpoint leaves the handshake states.</summary>
    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromSeconds(300);
    /// <summary>The inactivity timeout for <see cref="LongInactivityPorts"/> once established.</summary>
    public TimeSpan LongInactivityTimeout { get; set; } = TimeSpan.FromHours(1);
}
