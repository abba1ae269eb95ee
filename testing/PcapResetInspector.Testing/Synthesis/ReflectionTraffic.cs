using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// SYN-ACKs reflected at a host whose address was forged in someone else's SYN flood. Seen at the
/// victim: a SYN-ACK it never asked for, from a server it never called. Its stack answers some with
/// a bare RST &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; (RFC 9293 §3.10.7.1; the rest are lost to RST rate
/// limits or a host firewall), and the reflectors retransmit the others (Linux: 1 s, then 2 s more).
/// </summary>
internal static class Reflection
{
    /// <summary>Services that reflect: mostly web, then SSH, mail, DNS over TCP, RDP.</summary>
    private static readonly ushort[] Ports = [80, 80, 80, 443, 443, 443, 443, 22, 22, 25, 53, 3389, 8080, 21, 993, 110];

    /// <summary>Reflectors' stacks as they arrive: Linux (64), Windows (128) and network gear (255) some hops away.</summary>
    private static readonly StackTraits[] Stacks =
    [
        .. ((byte[])[47, 52, 55, 57, 60]).Select(ttl => Stack(ttl, windows: false)),
        .. ((byte[])[109, 113, 116, 119]).Select(ttl => Stack(ttl, windows: true)),
        .. ((byte[])[236, 243, 249]).Select(ttl => Stack(ttl, windows: false)),
    ];

    /// <summary>The chance that the victim answers a reflected SYN-ACK with a RST.</summary>
    public const double AnsweredShare = 1.0 / 6;

    private static StackTraits Stack(byte ttl, bool windows) => windows
        ? new() { Ttl = ttl, SynWindow = 65535, WindowBytes = 65535, WindowScale = 8, Timestamps = false, GlobalIpId = true }
        : new() { Ttl = ttl, SynWindow = 65160, WindowBytes = 65160, WindowScale = 7, Timestamps = true };

    /// <summary>
    /// One reflector's SYN-ACKs to the victim, for one SYN sent in the victim's name from
    /// <paramref name="victimPort"/>; the victim is the connection's client, as it would have been.
    /// </summary>
    public static IEnumerable<Step> Reflector(ScriptRun run, GeneratorRandom random, SpoofedAddresses addresses, SyntheticHost victim, ushort victimPort)
    {
        var reflector = new SyntheticHost(addresses.Next(), null, random.Pick(Stacks), 0, local: false, random)
        {
            OneWayDelay = random.MicrosLog(3_000, 120_000),
        };
        SyntheticConnection c = run.Open(victim, victimPort, reflector, random.Pick(Ports));
        yield return c.SynAck(0);
        if (random.Chance(AnsweredShare))
        {
            yield return c.Rst(Side.Client, random.Micros(15, 120), withAck: false);
            yield break;
        }
        yield return c.SynAckRetransmit(1_000_000_000);
        if (random.Chance(0.5))
            yield return c.SynAckRetransmit(2_000_000_000);
    }
}

/// <summary>
/// The <see cref="CaptureProfile.Reflection"/> network, seen at a web server's uplink: about 125
/// reflectors a second send it SYN-ACKs for SYNs forged in its name, each from another address;
/// one script in thirty-three is a real visitor's web session to the server.
/// </summary>
internal sealed class ReflectionTraffic : TrafficModel
{
    private const double MeanStartGapMicros = 8_000;

    private static readonly (string Scenario, int Count)[] Shares = [("reflected-synack", 32), ("session", 1)];

    private readonly SyntheticHost _victim;
    private readonly List<SyntheticHost> _visitors = [];
    private readonly SpoofedAddresses _reflectors;

    public ReflectionTraffic(GeneratorRandom random) : base(random)
    {
        _victim = new SyntheticHost(V4(203, 0, 113, 80), null, StackTraits.LinuxServer, 0, local: true, Random)
        {
            OpenPorts = [443, 80],
            OneWayDelay = Random.Micros(20, 80),
        };
        for (int i = 0; i < 100; i++)
        {
            _visitors.Add(new SyntheticHost(V4(198, 51, 100, (byte)(10 + i)), null, Random.Chance(0.6) ? StackTraits.Windows : StackTraits.Linux, 0, local: false, Random)
            {
                OneWayDelay = Random.MicrosLog(3_000, 60_000),
                SegmentTime = 40_000,
            });
        }
        _reflectors = new SpoofedAddresses(Random);
    }

    public static IEnumerable<string> ScenarioNames => Shares.Select(share => share.Scenario);

    public override long NextStartGap() => (long)(Random.Exponential(MeanStartGapMicros) * 1000);

    public override ScriptStart Start(ScriptRun run)
    {
        string scenario = Deal(Shares);
        IEnumerable<Step> steps = scenario == "session"
            ? Visit(run)
            : Reflection.Reflector(run, Random, _reflectors, _victim, (ushort)Random.Between(1024, 65535));
        return new ScriptStart(scenario, steps);
    }

    private IEnumerable<Step> Visit(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_visitors);
        ushort port = Random.Chance(0.8) ? (ushort)443 : (ushort)80;
        SyntheticConnection c = run.Open(client, _victim, port);
        return Session(c, ShapeOf(port), 0.002);
    }
}

/// <summary>
/// The <see cref="CaptureProfile.SpoofedSynFlood"/> network, seen on the inbound side of a server's
/// uplink: about 1,500 SYNs a second to one service, each from another forged address, none
/// answered (the server is overwhelmed, or the capture sees only what comes in).
/// </summary>
internal sealed class SpoofedSynFloodTraffic : TrafficModel
{
    private const double MeanStartGapMicros = 1_000_000.0 / 1_500;

    private static readonly (string Scenario, int Count)[] Shares = [("spoofed-syn", 1)];

    private readonly SyntheticHost _target;
    private readonly SpoofedAddresses _sources;
    private readonly StackTraits[] _floodStacks;

    public SpoofedSynFloodTraffic(GeneratorRandom random) : base(random)
    {
        _target = new SyntheticHost(V4(203, 0, 113, 20), null, StackTraits.LinuxServer, 0, local: true, Random)
        {
            OpenPorts = [443],
            OneWayDelay = Random.Micros(20, 80),
        };
        _sources = new SpoofedAddresses(Random);
        byte[] ttls = [44, 49, 53, 58, 111, 116, 120, 239, 247];
        ushort[] windows = [512, 1024, 5840, 8192, 29200, 64240];
        _floodStacks = [.. ttls.Select((ttl, i) => new StackTraits
        {
            Ttl = ttl, SynWindow = windows[i % windows.Length], WindowBytes = windows[i % windows.Length],
            WindowScale = null, Timestamps = false, Sack = false, Mss = i % 3 == 0 ? (ushort)1460 : (ushort)0, RandomIpId = true,
        })];
    }

    /// <summary>The flooded service.</summary>
    public const ushort TargetPort = 443;

    public static IEnumerable<string> ScenarioNames => Shares.Select(share => share.Scenario);

    public override long NextStartGap() => (long)(Random.Exponential(MeanStartGapMicros) * 1000);

    public override ScriptStart Start(ScriptRun run) => new(Deal(Shares), Flood(run));

    private IEnumerable<Step> Flood(ScriptRun run)
    {
        var source = new SyntheticHost(_sources.Next(), null, _floodStacks[Random.Next(_floodStacks.Length)], 0, local: false, Random);
        SyntheticConnection c = run.Open(source, (ushort)Random.Between(1024, 65535), _target, TargetPort);
        yield return c.Syn(0);
    }
}
