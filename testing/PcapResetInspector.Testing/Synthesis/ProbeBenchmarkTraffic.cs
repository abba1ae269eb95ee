using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Three captures of the same size and rhythm for timing the analyzer: 10,000 SYNs a second, each
/// refused with RST,ACK 60 µs later (before the next SYN), two packets per probe, every SYN from a
/// Linux stack. Only how the probes relate differs: <see cref="CaptureProfile.PortSweep"/> is one
/// scanner sweeping every port of one host (a connect scan, nmap -sT -p-: the kernel's SYN from a
/// fresh ephemeral port per probe), <see cref="CaptureProfile.SpreadProbes"/> has nothing in common
/// between two probes, and <see cref="CaptureProfile.ReusedTuple"/> sends every probe on one
/// 4-tuple. With MaxConnections = 65,535 each holds 131,070 packets (the same bytes) over 6.55 s.
/// </summary>
internal sealed class ProbeBenchmarkTraffic : TrafficModel
{
    /// <summary>Probes a second.</summary>
    public const int Rate = 10_000;

    /// <summary>Half the round trip to every host: the refusal comes 60 µs after its SYN (RTT = 2 × 10 µs + 40 µs).</summary>
    private const long OneWayDelay = 10_000;

    private const int ServerPool = 4096;

    private readonly CaptureProfile _profile;
    private readonly string _scenario;
    private readonly SyntheticHost _client;
    private readonly ushort _clientPort;
    private readonly SyntheticHost _server;
    private readonly ushort _serverPort;
    private readonly ushort[] _sweep;
    private int _swept;
    private SpoofedAddresses? _sources;
    private SyntheticHost[]? _servers;

    public ProbeBenchmarkTraffic(GeneratorRandom random, CaptureProfile profile) : base(random)
    {
        _profile = profile;
        _scenario = ScenarioOf(profile);
        bool sweep = profile == CaptureProfile.PortSweep;
        _client = new SyntheticHost(V4(192, 168, 11, sweep ? (byte)250 : (byte)50), null, StackTraits.Linux, 0, local: true, Random);
        _clientPort = (ushort)Random.Between(49152, 65535);
        // Nothing listens on the server's probed ports: every SYN is refused.
        _server = new SyntheticHost(V4(192, 168, 20, 70), null, StackTraits.LinuxServer, 0, local: true, Random) { OneWayDelay = OneWayDelay };
        _serverPort = 8443;
        if (profile == CaptureProfile.SpreadProbes)
        {
            _sources = new SpoofedAddresses(Random);
            _servers = new SyntheticHost[ServerPool];
            for (int i = 0; i < ServerPool; i++)
            {
                _servers[i] = new SyntheticHost(V4(10, (byte)(20 + i / 256), (byte)(i % 256), 10), null, StackTraits.LinuxServer, 0, local: true, Random)
                {
                    OneWayDelay = OneWayDelay,
                };
            }
        }
        _sweep = sweep ? new ushort[ushort.MaxValue] : [];
        for (int i = 0; i < _sweep.Length; i++)
            _sweep[i] = (ushort)(i + 1);
        _swept = _sweep.Length;
    }

    public static string ScenarioOf(CaptureProfile profile) => profile switch
    {
        CaptureProfile.PortSweep => "port-sweep",
        CaptureProfile.SpreadProbes => "spread-probe",
        CaptureProfile.ReusedTuple => "reused-tuple",
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    public override long NextStartGap() => 1_000_000_000 / Rate;

    public override ScriptStart Start(ScriptRun run)
    {
        SyntheticConnection c = _profile switch
        {
            CaptureProfile.PortSweep => run.Open(_client, _server, NextSweepPort()),
            CaptureProfile.SpreadProbes => Spread(run),
            _ => run.Open(_client, _clientPort, _server, _serverPort),   // a new ISN every time
        };
        return new ScriptStart(OnlyScenario ?? _scenario, Probe(c));
    }

    private static IEnumerable<Step> Probe(SyntheticConnection c)
    {
        yield return c.Syn(0);
        yield return c.Refuse(c.Rtt);
    }

    /// <summary>Ports 1 to 65,535 in a random order, like nmap -p-; after the last, another pass in another order.</summary>
    private ushort NextSweepPort()
    {
        if (_swept == _sweep.Length)
        {
            Random.Shuffle(_sweep.AsSpan());
            _swept = 0;
        }
        return _sweep[_swept++];
    }

    /// <summary>A source seen once, a server from a pool of 4,096, a port at random: no two probes share a source.</summary>
    private SyntheticConnection Spread(ScriptRun run)
    {
        var source = new SyntheticHost(_sources!.Next(), null, StackTraits.Linux, 0, local: false, Random);
        SyntheticHost server = _servers![Random.Next(ServerPool)];
        return run.Open(source, (ushort)Random.Between(1024, 65535), server, (ushort)Random.Between(1, 65535));
    }
}
