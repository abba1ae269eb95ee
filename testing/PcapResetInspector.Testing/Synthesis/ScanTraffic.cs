using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// The <see cref="CaptureProfile.Scan"/> network, seen at a site's uplink: six scanners on the
/// Internet probe the site's 10.40.0.0/16 on common service ports, and the site's users download
/// from web servers outside. About 20,000 new connections a second: half the probes reach a host
/// whose port is closed and are refused (SYN, RST-ACK; Zeek REJ), the others find no host and go
/// unanswered (Zeek S0), and one connection in twenty-five is a download of a few tens of KB
/// (Zeek SF) that makes most of the bytes. A scanner is either stateless or uses its kernel:
/// <list type="bullet">
/// <item>four masscan/zmap-like scanners write raw SYNs (window 1024, MSS only, a random IP-ID and
/// source port per probe) and never retransmit: an unanswered probe is one SYN;</item>
/// <item>two connect() scanners go through their Linux kernel, which retransmits an unanswered
/// SYN after 1 s and 2 s more (tcp_syn_retries' backoff); the scanner's 5 s connect timeout closes
/// the socket before the third retransmission at 7 s, so such a probe is three SYNs.</item>
/// </list>
/// Who answers is a property of the address, not of the probe: a host either exists (and refuses)
/// or does not (and stays silent) for every scanner and port.
/// </summary>
internal sealed class ScanTraffic : TrafficModel
{
    /// <summary>New connections a second, all scenarios together.</summary>
    public const int Rate = 20_000;

    private const double MeanStartGapMicros = 1_000_000.0 / Rate;

    /// <summary>The connect() scanners' timeout: the kernel's SYN retransmissions that come before it are sent.</summary>
    private const long ConnectTimeoutMicros = 5_000_000;

    private static readonly (string Scenario, int Count)[] Shares =
        [("refused-probe", 50), ("unanswered-probe", 46), ("download", 4)];

    public static IEnumerable<string> ScenarioNames => Shares.Select(share => share.Scenario);

    /// <summary>What Internet-wide scanners look for most (remote access, web, file sharing, databases, IoT telnet).</summary>
    private static readonly ushort[] CommonPorts =
    [
        22, 22, 22, 23, 23, 80, 80, 80, 443, 443, 443, 445, 445, 3389, 3389, 8080, 8080,
        21, 25, 53, 110, 111, 135, 139, 143, 993, 995, 1433, 1723, 2323, 3306, 5432, 5900,
        6379, 7547, 8000, 8081, 8443, 8888, 9200, 11211, 27017,
    ];

    /// <summary>What a worm or a brute-forcer connects to: remote access and SMB.</summary>
    private static readonly ushort[] ConnectScanPorts = [445, 445, 445, 22, 22, 23, 3389, 3389, 80];

    private readonly Scanner[] _scanners;
    private readonly int _scannerWeight;
    private readonly uint _addressKey;
    private readonly List<SyntheticHost> _clients = [];
    private readonly List<SyntheticHost> _webServers = [];

    public ScanTraffic(GeneratorRandom random) : base(random)
    {
        // TTLs as they arrive, some hops from the scanners' 64 or 255.
        _scanners =
        [
            StatelessScanner(V4(198, 51, 100, 23), ttl: 51, weight: 20),
            StatelessScanner(V4(198, 51, 100, 77), ttl: 243, weight: 20),
            StatelessScanner(V4(192, 0, 2, 45), ttl: 238, weight: 19),
            StatelessScanner(V4(192, 0, 2, 190), ttl: 47, weight: 19),
            ConnectScanner(V4(198, 51, 100, 160), ttl: 49, weight: 11),
            ConnectScanner(V4(192, 0, 2, 9), ttl: 53, weight: 11),
        ];
        _scannerWeight = _scanners.Sum(scanner => scanner.Weight);
        _addressKey = Random.NextUInt32();
        for (int i = 0; i < 400; i++)
        {
            StackTraits stack = Random.Chance(0.6) ? StackTraits.Windows : StackTraits.Linux;
            _clients.Add(new SyntheticHost(V4(10, 41, (byte)(i / 200), (byte)(10 + i % 200)), null, stack, 0, local: true, Random));
        }
        for (int i = 0; i < 40; i++)
        {
            _webServers.Add(new SyntheticHost(V4(203, 0, 113, (byte)(10 + i)), null, StackTraits.LinuxServer, 0, local: false, Random)
            {
                OpenPorts = [443, 80],
                OneWayDelay = Random.MicrosLog(2_000, 40_000),
                SegmentTime = 12_000,
            });
        }
    }

    public override long NextStartGap() => (long)(Random.Exponential(MeanStartGapMicros) * 1000);

    public override ScriptStart Start(ScriptRun run)
    {
        string scenario = Deal(Shares);
        IEnumerable<Step> steps = scenario switch
        {
            "refused-probe" => Probe(run, refused: true),
            "unanswered-probe" => Probe(run, refused: false),
            _ => Download(run),
        };
        return new ScriptStart(scenario, steps);
    }

    private IEnumerable<Step> Probe(ScriptRun run, bool refused)
    {
        Scanner scanner = PickScanner();
        SyntheticHost target = Target(refused);
        SyntheticConnection c = scanner.Stateless
            ? run.Open(scanner.Host, (ushort)Random.Between(32768, 61000), target, PickPort(CommonPorts))
            : run.Open(scanner.Host, target, PickPort(ConnectScanPorts));
        yield return c.Syn(0);
        if (refused)
        {
            yield return c.Refuse(c.Rtt);
            yield break;
        }
        if (scanner.Stateless)
            yield break;
        long elapsed = 0;
        foreach (int gap in scanner.Host.Traits.SynRetryGapsMicros)
        {
            elapsed += gap;
            if (elapsed >= ConnectTimeoutMicros)
                yield break;
            yield return c.SynRetransmit(gap * 1000L);
        }
    }

    /// <summary>A user's HTTPS or HTTP download: one request, a response of 2 to 100 KB, a FIN close.</summary>
    private IEnumerable<Step> Download(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        SyntheticHost server = Random.Pick(_webServers);
        bool tls = Random.Chance(0.8);
        SyntheticConnection c = run.Open(client, server, tls ? (ushort)443 : (ushort)80);
        PayloadKind requestKind = tls ? PayloadKind.Tls : PayloadKind.HttpRequest;
        PayloadKind responseKind = tls ? PayloadKind.Tls : PayloadKind.HttpResponse;
        int request = SyntheticPayload.Fit(requestKind, Random.Between(300, 900));
        int response = SyntheticPayload.Fit(responseKind, (int)Random.LogUniform(2_000, 100_000));

        foreach (Step step in Handshake(c, 0))
            yield return step;
        foreach (Step step in Message(c, Side.Client, requestKind, request, Random.Micros(30, 400), finalAck: false))
            yield return step;
        foreach (Step step in Message(c, Side.Server, responseKind, response, c.Rtt + Random.MicrosLog(200, 20_000), loss: 0.002))
            yield return step;
        bool clientCloses = Random.Chance(0.7);
        long idle = clientCloses ? Random.MicrosLog(100, 500_000) : Random.MicrosLog(500_000, 5_000_000);
        foreach (Step step in Close(c, clientCloses ? Side.Client : Side.Server, idle))
            yield return step;
    }

    private Scanner PickScanner()
    {
        int pick = Random.Next(_scannerWeight);
        foreach (Scanner scanner in _scanners)
        {
            if (pick < scanner.Weight)
                return scanner;
            pick -= scanner.Weight;
        }
        throw new InvalidOperationException("The weights do not add up.");
    }

    /// <summary>A listed port most of the time; one probe in ten to any port, as scans of all ports do.</summary>
    private ushort PickPort(ushort[] ports) =>
        Random.Chance(0.1) ? (ushort)Random.Between(1, 65535) : Random.Pick(ports);

    /// <summary>
    /// An address of 10.40.0.0/16 that holds a host (which refuses: the probed ports are closed) or
    /// holds none (nothing answers). A keyed hash of the address decides, about half each, and also
    /// whether the host runs Linux or Windows.
    /// </summary>
    private SyntheticHost Target(bool exists)
    {
        while (true)
        {
            int index = Random.Between(1, 65534);
            uint hash = Mix((uint)index ^ _addressKey);
            bool hostThere = (hash & 1) == 0;
            if (hostThere != exists)
                continue;
            StackTraits stack = (hash & 6) == 0 ? StackTraits.Windows : StackTraits.LinuxServer;
            return new SyntheticHost(V4(10, 40, (byte)(index >> 8), (byte)index), null, stack, 0, local: true, Random)
            {
                OneWayDelay = 50_000 + (hash >> 8) % 250_000,
            };
        }
    }

    /// <summary>A 32-bit finalizer (murmur3's fmix32): every input bit moves every output bit.</summary>
    private static uint Mix(uint value)
    {
        value ^= value >> 16;
        value *= 0x85EBCA6B;
        value ^= value >> 13;
        value *= 0xC2B2AE35;
        value ^= value >> 16;
        return value;
    }

    private Scanner StatelessScanner(byte[] address, byte ttl, int weight) => new(
        new SyntheticHost(address, null, new StackTraits
        {
            Ttl = ttl, SynWindow = 1024, WindowBytes = 1024, WindowScale = null, Timestamps = false, Sack = false, RandomIpId = true,
        }, 0, local: false, Random),
        Stateless: true, weight);

    private Scanner ConnectScanner(byte[] address, byte ttl, int weight) => new(
        new SyntheticHost(address, null, new StackTraits
        {
            Ttl = ttl, SynWindow = 64240, WindowBytes = 64_256, WindowScale = 7, Timestamps = true,
            SynRetryGapsMicros = StackTraits.Linux.SynRetryGapsMicros,
        }, 0, local: false, Random),
        Stateless: false, weight);

    private sealed record Scanner(SyntheticHost Host, bool Stateless, int Weight);
}
