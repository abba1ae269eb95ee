using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>What kind of network a generated capture shows.</summary>
public enum CaptureProfile
{
    /// <summary>
    /// An office network's uplink and server trunk: web, SMB and database sessions closed with FIN,
    /// bulk transfers, refused connects, aborts by either side, Windows clients racing 445 against 139,
    /// a port scan now and then, IPv6, 802.1Q-tagged segments, retransmissions, keep-alives and
    /// middlebox idle-timeout resets; more rarely, RSTs injected on the path (in the handshake and
    /// mid-transfer), SYN-ACKs reflected at a client whose address was forged, a SYN meeting an older
    /// connection on its 4-tuple, and a Samba client's three-connection probe of 445 and 139.
    /// </summary>
    Mixed,

    /// <summary>
    /// Servers under a SYN flood from spoofed sources: half-open attempts answered by SYN-ACKs (some
    /// retransmitted, some reset by the hosts whose addresses were forged, some dropped), plus a little
    /// normal web traffic.
    /// </summary>
    Synflood,

    /// <summary>
    /// A web server whose address was forged in someone else's SYN flood: thousands of SYN-ACKs from
    /// thousands of reflectors (80, 443, 22, ...) for SYNs it never sent, one in six answered with a
    /// bare RST, the rest retransmitted once or twice; a little normal web traffic to the server.
    /// </summary>
    Reflection,

    /// <summary>About 1,500 SYNs a second to one server port, each from another forged address, none answered.</summary>
    SpoofedSynFlood,

    /// <summary>One scanner sweeping all 65,535 ports of one host at 10,000 probes a second, every SYN refused with RST,ACK.</summary>
    PortSweep,

    /// <summary>As <see cref="PortSweep"/> in count and rate, but each SYN from another source to a random server and port: no scan at all.</summary>
    SpreadProbes,

    /// <summary>As <see cref="PortSweep"/> in count and rate, but every probe on one 4-tuple, each SYN with a new ISN.</summary>
    ReusedTuple,

    /// <summary>
    /// Internet scanners probing a site's /16 at about 20,000 new connections a second: half the
    /// probes refused with RST-ACK, most of the rest unanswered SYNs (one from stateless scanners,
    /// three from connect() scanners' kernels), one connection in 25 a user's download of a few
    /// tens of KB. About 3 packets and 1.2 KB per connection.
    /// </summary>
    Scan,
}

/// <summary>
/// Settings of <see cref="CaptureGenerator"/>. The same settings give the same bytes on every run
/// and machine. At least one limit must be set; generation stops at the first one reached.
/// </summary>
public sealed class CaptureGeneratorOptions
{
    /// <summary>2024-03-11T08:00:00Z, a Monday morning.</summary>
    public const long DefaultStartNanos = 1_710_144_000_000_000_000;

    public CaptureProfile Profile { get; set; } = CaptureProfile.Mixed;

    public ulong Seed { get; set; } = 1;

    /// <summary>
    /// Largest file size in bytes, pcap header included. Like a capture stopped by size
    /// (tcpdump -C), the file ends where the next packet would not fit, in the middle of conversations.
    /// </summary>
    public long? MaxBytes { get; set; }

    /// <summary>Exact packet count, like a capture stopped by count (tcpdump -c).</summary>
    public long? MaxPackets { get; set; }

    /// <summary>
    /// Connections to start; those under way when the count is reached run to their end. Scripts that
    /// open several connections (races, scans) may pass the count by the rest of their group.
    /// </summary>
    public long? MaxConnections { get; set; }

    /// <summary>Time of the first packet, ns since the Unix epoch.</summary>
    public long StartNanos { get; set; } = DefaultStartNanos;

    /// <summary>
    /// Only this one of the profile's scenarios (see <see cref="CaptureGenerator.ScenarioNames"/>),
    /// e.g. "injected-rst" of <see cref="CaptureProfile.Mixed"/>; null for the profile's whole mix.
    /// </summary>
    public string? Scenario { get; set; }

    /// <summary>
    /// Keep only the link, IP and TCP headers of each frame, as a capture cut at the end of every TCP
    /// header would: original lengths, IP lengths and sequence numbers stay, payload bytes do not.
    /// </summary>
    public bool HeadersOnly { get; set; }

    internal void Validate()
    {
        if (MaxBytes is null && MaxPackets is null && MaxConnections is null)
            throw new ArgumentException("Set MaxBytes, MaxPackets or MaxConnections: the generator needs to know when to stop.");
        if (MaxBytes is < PcapWriter.FileHeaderLength)
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), "The pcap file header alone takes 24 bytes.");
        if (MaxPackets is < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPackets));
        if (MaxConnections is < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxConnections));
        // Leave room for a long run before pcap's 32-bit seconds end in 2106.
        if (StartNanos < 0 || StartNanos > 4_000_000_000L * 1_000_000_000)
            throw new ArgumentOutOfRangeException(nameof(StartNanos));
        if (!Enum.IsDefined(Profile))
            throw new ArgumentOutOfRangeException(nameof(Profile));
        if (Scenario is not null && !CaptureGenerator.ScenarioNames(Profile).Contains(Scenario, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The {Profile} profile has no scenario '{Scenario}' (it has {string.Join(", ", CaptureGenerator.ScenarioNames(Profile))}).",
                nameof(Scenario));
        }
    }
}

/// <summary>What <see cref="CaptureGenerator"/> wrote.</summary>
public sealed class CaptureGenerationSummary
{
    public required long Packets { get; init; }
    /// <summary>File size in bytes, pcap header included.</summary>
    public required long Bytes { get; init; }
    /// <summary>TCP connections opened (each 4-tuple of a script once; a retried SYN is not a new one).</summary>
    public required long Connections { get; init; }
    /// <summary>Scripts started, by scenario name (session, smb-race-b, port-scan, syn-flood, injected-rst, ...).</summary>
    public required IReadOnlyDictionary<string, long> Scenarios { get; init; }
    public required long FirstTimestampNanos { get; init; }
    public required long LastTimestampNanos { get; init; }
    /// <summary>A byte or packet limit ended the file with conversations still under way.</summary>
    public required bool CutShort { get; init; }
    /// <summary>Most scripts under way at once: what the generator kept in memory.</summary>
    public required int PeakActiveScripts { get; init; }
}
