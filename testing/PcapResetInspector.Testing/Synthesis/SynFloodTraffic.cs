using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// The <see cref="CaptureProfile.Synflood"/> network, seen at the servers' uplink: three web servers
/// take about 25,000 SYNs a second from forged sources. Most attempts get one SYN-ACK (SYN cookies
/// keep no state, so nothing is retransmitted), some get SYN-ACK retransmissions from a backlog that
/// still had room, some are dropped, and the hosts whose addresses were forged answer some SYN-ACKs
/// with a RST (backscatter). One script in a hundred is a real visitor's web session.
/// </summary>
internal sealed class SynFloodTraffic : TrafficModel
{
    private const double MeanStartGapMicros = 40;

    private static readonly (string Scenario, int Count)[] Shares = [("syn-flood", 99), ("session", 1)];

    public static IEnumerable<string> ScenarioNames => Shares.Select(share => share.Scenario);

    private readonly SyntheticHost[] _targets;
    private readonly List<SyntheticHost> _visitors = [];
    private readonly StackTraits[] _floodStacks;

    public SynFloodTraffic(GeneratorRandom random) : base(random)
    {
        _targets =
        [
            .. Enumerable.Range(0, 3).Select(i => new SyntheticHost(V4(203, 0, 113, (byte)(10 + i)), null, StackTraits.LinuxServer, 0, local: true, Random)
            {
                OpenPorts = [80, 443],
                OneWayDelay = Random.Micros(20, 80),
                SegmentTime = 12_000,
            }),
        ];
        for (int i = 0; i < 200; i++)
        {
            byte[] address = i % 2 == 0 ? V4(198, 51, 100, (byte)(10 + i / 2)) : V4(192, 0, 2, (byte)(10 + i / 2));
            _visitors.Add(new SyntheticHost(address, null, Random.Chance(0.6) ? StackTraits.Windows : StackTraits.Linux, 0, local: false, Random)
            {
                OneWayDelay = Random.MicrosLog(3_000, 60_000),
                SegmentTime = 40_000,
            });
        }
        // Flooding tools vary the TTL they start from and the window; hops on the way lower the TTL.
        byte[] ttls = [49, 52, 57, 113, 116, 121, 240, 246];
        ushort[] windows = [512, 1024, 5840, 29200, 64240];
        _floodStacks = [.. ttls.Select((ttl, i) => new StackTraits
        {
            Ttl = ttl, SynWindow = windows[i % windows.Length], WindowBytes = windows[i % windows.Length],
            WindowScale = null, Timestamps = false, Sack = false, Mss = 0, RandomIpId = true,
        })];
    }

    public override long NextStartGap() => (long)(Random.Exponential(MeanStartGapMicros) * 1000);

    public override ScriptStart Start(ScriptRun run)
    {
        string scenario = Deal(Shares);
        return new ScriptStart(scenario, scenario == "syn-flood" ? Flood(run) : Visit(run));
    }

    private IEnumerable<Step> Visit(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_visitors);
        SyntheticHost server = Random.Pick(_targets);
        ushort port = Random.Chance(0.8) ? (ushort)443 : (ushort)80;
        SyntheticConnection c = run.Open(client, server, port);
        return Session(c, ShapeOf(port), 0.002);
    }

    private IEnumerable<Step> Flood(ScriptRun run)
    {
        var source = new SyntheticHost(ForgedAddress(), null, _floodStacks[Random.Next(_floodStacks.Length)], 0, local: false, Random);
        SyntheticHost target = Random.Pick(_targets);
        ushort port = Random.Chance(0.7) ? (ushort)443 : (ushort)80;
        SyntheticConnection c = run.Open(source, (ushort)Random.Between(1024, 65535), target, port);
        yield return c.Syn(0);
        double fate = Random.NextDouble();
        if (fate < 0.25)
            yield break;    // the backlog was full: dropped
        yield return c.SynAck(Random.Micros(15, 120));
        if (fate < 0.80)
            yield break;    // a SYN cookie: nothing to retransmit
        if (fate < 0.95)
        {
            // Linux retransmits a SYN-ACK after 1 s, then 2 s more (tcp_synack_retries).
            yield return c.SynAckRetransmit(1_000_000_000);
            yield return c.SynAckRetransmit(2_000_000_000);
            yield break;
        }
        // The host whose address was forged gets a SYN-ACK it never asked for and resets it.
        yield return c.Rst(Side.Client, Random.MicrosLog(10_000, 300_000), withAck: false);
    }

    /// <summary>A random unicast address outside the private, loopback, link-local and documentation ranges.</summary>
    private byte[] ForgedAddress()
    {
        while (true)
        {
            uint value = Random.NextUInt32();
            byte first = (byte)(value >> 24);
            if (first is 0 or 10 or 100 or 127 or 169 or 172 or 192 or 198 or 203 || first >= 224)
                continue;
            return [first, (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        }
    }
}
