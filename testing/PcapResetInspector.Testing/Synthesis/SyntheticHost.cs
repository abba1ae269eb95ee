namespace PcapResetInspector.Testing.Synthesis;

/// <summary>How a TCP/IP stack looks on the wire: the fingerprint fields p0f and the diagnosis read.</summary>
internal sealed class StackTraits
{
    /// <summary>Windows 10/11 and Server: TTL 128, no timestamps, window scale 8, one global IP-ID counter,
    /// sequential ephemeral ports, keep-alives with one garbage byte, SYN retries after 1 s and 2 s more.</summary>
    public static readonly StackTraits Windows = new()
    {
        Ttl = 128, SynWindow = 64240, WindowBytes = 262_144, WindowScale = 8, Timestamps = false,
        GlobalIpId = true, SequentialPorts = true, KeepAliveByte = true, SynRetryGapsMicros = [1_000_000, 2_000_000],
    };

    /// <summary>Linux: TTL 64, timestamps, window scale 7, an IP-ID counter per connection, random ports.</summary>
    public static readonly StackTraits Linux = new()
    {
        Ttl = 64, SynWindow = 64240, WindowBytes = 64_256, WindowScale = 7, Timestamps = true,
        SynRetryGapsMicros = [1_000_000, 2_000_000, 4_000_000],
    };

    /// <summary>A Linux server: the same stack answering with its larger initial window.</summary>
    public static readonly StackTraits LinuxServer = new()
    {
        Ttl = 64, SynWindow = 65160, WindowBytes = 65_160, WindowScale = 7, Timestamps = true,
        SynRetryGapsMicros = [1_000_000, 2_000_000, 4_000_000],
    };

    /// <summary>nmap's SYN scan probe: window 1024, only an MSS option, a random IP-ID per probe.</summary>
    public static readonly StackTraits Scanner = new()
    {
        Ttl = 64, SynWindow = 1024, WindowBytes = 1024, WindowScale = null, Timestamps = false, Sack = false,
        RandomIpId = true,
    };

    /// <summary>A flooding tool's raw SYN: no options at all, a random IP-ID.</summary>
    public static readonly StackTraits FloodTool = new()
    {
        Ttl = 64, SynWindow = 512, WindowBytes = 512, WindowScale = null, Timestamps = false, Sack = false,
        Mss = 0, RandomIpId = true,
    };

    public byte Ttl { get; init; }
    public ushort SynWindow { get; init; }
    /// <summary>Receive window in bytes once the handshake is done (sent shifted by the agreed scale).</summary>
    public int WindowBytes { get; init; }
    public byte? WindowScale { get; init; }
    public bool Timestamps { get; init; }
    public bool Sack { get; init; } = true;
    /// <summary>MSS option value for IPv4 (IPv6 announces 20 less); 0 sends no MSS option.</summary>
    public ushort Mss { get; init; } = 1460;
    public bool GlobalIpId { get; init; }
    public bool RandomIpId { get; init; }
    public bool SequentialPorts { get; init; }
    public bool KeepAliveByte { get; init; }
    /// <summary>Gaps between a SYN and its retransmissions.</summary>
    public int[] SynRetryGapsMicros { get; init; } = [];
}

/// <summary>One machine of the synthetic network: its addresses, stack, VLAN and ephemeral ports in use.</summary>
internal sealed class SyntheticHost
{
    private static readonly byte[] RouterMac = [0x00, 0x1B, 0x54, 0x0A, 0x01, 0xFE];
    private const int FirstEphemeralPort = 49152;   // RFC 6335 §6: the dynamic range, Windows' default
    private const int LastEphemeralPort = 65535;

    private HashSet<ushort>? _busyPorts;   // made on first use: spoofed flood sources never need one
    private int _nextPort;

    public SyntheticHost(byte[] ipv4, byte[]? ipv6, StackTraits traits, ushort vlan, bool local, GeneratorRandom random)
    {
        IPv4 = ipv4;
        IPv6 = ipv6;
        Traits = traits;
        Vlan = vlan;
        if (local)
        {
            // Locally administered unicast MAC derived from the address, so each host keeps one.
            Mac = [0x02, 0x00, ipv4[0], ipv4[1], ipv4[2], ipv4[3]];
        }
        else
        {
            // Hosts beyond the router all arrive with the router's MAC.
            Mac = RouterMac;
        }
        IpId = (ushort)random.Next(65536);
        _nextPort = random.Between(FirstEphemeralPort, LastEphemeralPort);
    }

    public byte[] IPv4 { get; }
    public byte[]? IPv6 { get; }
    public byte[] Mac { get; }
    public StackTraits Traits { get; }
    /// <summary>802.1Q VLAN id of the host's segment as seen on the capture trunk (0: untagged).</summary>
    public ushort Vlan { get; }
    /// <summary>Services listening on this host; empty for clients.</summary>
    public ushort[] OpenPorts { get; init; } = [];
    /// <summary>Half the round-trip time to this host from the capture point, in ns; clients count 0.</summary>
    public long OneWayDelay { get; init; }
    /// <summary>Bottleneck time per full-size segment towards or from this host, in ns.</summary>
    public long SegmentTime { get; init; } = 12_000;
    /// <summary>The global IP-ID counter of stacks that have one.</summary>
    public ushort IpId { get; set; }

    public bool Listens(ushort port) => Array.IndexOf(OpenPorts, port) >= 0;

    /// <summary>An ephemeral port no live connection of this host uses: Windows counts up, Linux picks at random.</summary>
    public ushort AllocatePort(GeneratorRandom random)
    {
        while (true)
        {
            ushort port;
            if (Traits.SequentialPorts)
            {
                port = (ushort)_nextPort;
                _nextPort = _nextPort == LastEphemeralPort ? FirstEphemeralPort : _nextPort + 1;
            }
            else
            {
                port = (ushort)random.Between(FirstEphemeralPort, LastEphemeralPort);
            }
            if ((_busyPorts ??= []).Add(port))
                return port;
        }
    }

    public void ReleasePort(ushort port) => _busyPorts?.Remove(port);
}
