using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// The <see cref="CaptureProfile.Mixed"/> network: about 320 clients on four segments (two of them
/// 802.1Q-tagged on the capture trunk, 40% dual-stack), a server room of Samba file servers, domain
/// controllers, web, database, mail and SSH hosts, and web servers beyond the router with real
/// round-trip times. Scripts start as a Poisson process, their kinds dealt from a deck.
/// </summary>
internal sealed partial class MixedTraffic : TrafficModel
{
    private const double MeanStartGapMicros = 17_000;

    // Per deck of 405 scripts. Web and other request/response sessions fill the rest. The last five
    // (MixedTraffic.Adversarial.cs) come about a dozen times each in 100 MB.
    private static readonly (string Scenario, int Count)[] Shares =
    [
        ("session", 335), ("smb", 12), ("bulk", 2), ("refused", 10), ("server-abort", 7), ("client-abort", 7),
        ("smb-race-a", 3), ("smb-race-b", 4), ("smb-race-c", 2), ("smb-race-d", 2), ("smb-race-e", 1), ("smb-race-f", 1),
        ("smb-race-probe", 2), ("keepalive", 6), ("idle-timeout", 3), ("keepalive-failure", 2), ("port-scan", 1),
        ("injected-rst", 1), ("injected-rst-established", 1), ("synack-reflection", 1), ("port-reuse-collision", 1),
        ("smb-three-member-race", 1),
    ];

    /// <summary>The scenario names this profile deals, for <see cref="TrafficModel.OnlyScenario"/>.</summary>
    public static IEnumerable<string> ScenarioNames => Shares.Select(share => share.Scenario);

    private static readonly ushort[] ScanPorts =
    [
        21, 22, 23, 25, 53, 80, 81, 88, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587, 636, 993, 995, 1433, 1521,
        1723, 2049, 3306, 3389, 5060, 5432, 5900, 5985, 6379, 8000, 8080, 8443, 8888, 9000, 9100, 9200, 27017,
    ];

    private static readonly ushort[] ClosedPortGuesses = [110, 8443, 8081, 3389, 5900, 5985, 9090, 8000, 9200, 6379];

    private readonly List<SyntheticHost> _clients = [];
    private readonly List<SyntheticHost> _windowsClients = [];
    private readonly List<SyntheticHost> _raceServers = [];
    private readonly List<SyntheticHost> _fileServers = [];
    private readonly List<SyntheticHost> _internalServers = [];
    private readonly List<(SyntheticHost Host, ushort Port)> _longLived = [];
    private readonly List<(SyntheticHost Host, ushort Port, int Weight)> _services = [];
    private readonly int _serviceWeight;
    private readonly SyntheticHost _scanner;
    private readonly SyntheticHost _samba445Only;
    private readonly byte[] _negotiateRequest;
    private readonly byte[] _negotiateResponse;
    private readonly byte[] _sessionResponse;

    public MixedTraffic(GeneratorRandom random) : base(random)
    {
        // Clients: two untagged office segments and two tagged ones (VLAN 110, 120).
        AddClients(192, 168, 10, vlan: 0, count: 120, site: 0x10);
        AddClients(192, 168, 11, vlan: 0, count: 120, site: 0x11);
        AddClients(10, 110, 1, vlan: 110, count: 40, site: 0x110);
        AddClients(10, 120, 1, vlan: 120, count: 40, site: 0x120);

        // The server room, one switch hop away; Samba serves 445 and NetBIOS 139 except on fs3.
        SyntheticHost Local(byte last, StackTraits traits, ushort[] ports, bool ipv6 = false) =>
            new(V4(192, 168, 20, last), ipv6 ? V6(0x20, 0x20, last) : null, traits, 0, local: true, Random)
            {
                OpenPorts = ports,
                OneWayDelay = Random.Micros(40, 250),
                SegmentTime = 12_000,
            };
        for (byte i = 0; i < 3; i++)
        {
            SyntheticHost fs = Local((byte)(10 + i), StackTraits.LinuxServer, i < 2 ? [445, 139] : [445], ipv6: i == 0);
            _fileServers.Add(fs);
            if (i < 2)
                _raceServers.Add(fs);
        }
        _samba445Only = _fileServers[2];
        SyntheticHost dc1 = Local(2, StackTraits.Windows, [53, 88, 135, 389, 445, 636, 3268], ipv6: true);
        SyntheticHost dc2 = Local(3, StackTraits.Windows, [53, 88, 135, 389, 445, 636, 3268]);
        _fileServers.Add(dc1);
        var web = new List<SyntheticHost>();
        for (byte i = 0; i < 4; i++)
            web.Add(Local((byte)(30 + i), StackTraits.LinuxServer, [80, 443, 8080], ipv6: i < 2));
        SyntheticHost pg = Local(40, StackTraits.LinuxServer, [5432, 22]);
        SyntheticHost mysql = Local(41, StackTraits.LinuxServer, [3306, 22]);
        SyntheticHost mssql = Local(42, StackTraits.Windows, [1433, 445, 135]);
        SyntheticHost mail = Local(50, StackTraits.LinuxServer, [25, 587, 993, 22]);
        SyntheticHost jump = Local(60, StackTraits.LinuxServer, [22], ipv6: true);
        _internalServers.AddRange(_fileServers);
        _internalServers.AddRange([dc2, .. web, pg, mysql, mssql, mail, jump]);
        _longLived.AddRange([(jump, 22), (pg, 5432), (mysql, 3306), (mssql, 1433), (mail, 993), (dc1, 389), (dc2, 389)]);

        // Beyond the router: web services 5-150 ms away, half of them reachable over IPv6.
        var external = new List<SyntheticHost>();
        byte[][] prefixes = [[198, 51, 100], [203, 0, 113], [192, 0, 2]];
        for (int i = 0; i < 18; i++)
        {
            byte[] prefix = prefixes[i % 3];
            byte last = (byte)(20 + i * 7);
            external.Add(new SyntheticHost(V4(prefix[0], prefix[1], prefix[2], last), i % 2 == 0 ? V6(0xff00, (ushort)i, last) : null,
                StackTraits.LinuxServer, 0, local: false, Random)
            {
                OpenPorts = [80, 443],
                OneWayDelay = Random.MicrosLog(2_500, 75_000),
                SegmentTime = 100_000,   // a 120 Mbit/s uplink
            });
        }

        foreach (SyntheticHost host in external)
        {
            AddService(host, 443, 24);
            AddService(host, 80, 4);
        }
        foreach (SyntheticHost host in web)
        {
            AddService(host, 443, 10);
            AddService(host, 80, 6);
            AddService(host, 8080, 3);
        }
        foreach (SyntheticHost dc in (SyntheticHost[])[dc1, dc2])
        {
            AddService(dc, 389, 6);
            AddService(dc, 636, 2);
            AddService(dc, 53, 4);
            AddService(dc, 88, 3);
            AddService(dc, 135, 1);
        }
        AddService(pg, 5432, 5);
        AddService(mysql, 3306, 4);
        AddService(mssql, 1433, 3);
        AddService(mail, 587, 2);
        AddService(mail, 25, 1);
        AddService(mail, 993, 4);
        _serviceWeight = _services.Sum(service => service.Weight);

        _scanner = new SyntheticHost(V4(192, 168, 11, 250), null, StackTraits.Scanner, 0, local: true, Random);

        _negotiateRequest = SmbPayloads.Smb2NegotiateRequest(new Guid("4c7b1d2e-8f90-4a1b-9c3d-2e4f5a6b7c8d"));
        _negotiateResponse = SmbPayloads.Smb2NegotiateResponse(new Guid("6a1f6f0e-2c53-4b8e-9d6e-5a4d2b8c1e01"), CaptureGeneratorOptions.DefaultStartNanos);
        _sessionResponse = SmbPayloads.NetBiosPositiveSessionResponse();
    }

    private void AddClients(byte a, byte b, byte c, ushort vlan, int count, ushort site)
    {
        for (int i = 0; i < count; i++)
        {
            byte last = (byte)(20 + i);
            bool windows = Random.Chance(0.7);
            bool dualStack = Random.Chance(0.4);
            var host = new SyntheticHost(V4(a, b, c, last), dualStack ? V6(site, 1, last) : null,
                windows ? StackTraits.Windows : StackTraits.Linux, vlan, local: true, Random);
            _clients.Add(host);
            if (windows)
                _windowsClients.Add(host);
        }
    }

    private void AddService(SyntheticHost host, ushort port, int weight) => _services.Add((host, port, weight));

    public override long NextStartGap() => (long)(Random.Exponential(MeanStartGapMicros) * 1000);

    public override ScriptStart Start(ScriptRun run)
    {
        string scenario = Deal(Shares);
        IEnumerable<Step> steps = scenario switch
        {
            "session" => ServiceSession(run),
            "smb" => SmbSession(run),
            "bulk" => Bulk(run),
            "refused" => Refused(run),
            "server-abort" => Abort(run, Side.Server),
            "client-abort" => Abort(run, Side.Client),
            "smb-race-a" => RaceA(run),
            "smb-race-b" => RaceB(run),
            "smb-race-c" => RaceC(run),
            "smb-race-d" => RaceD(run),
            "smb-race-e" => RaceE(run),
            "smb-race-f" => RaceF(run),
            "smb-race-probe" => RaceProbe(run),
            "keepalive" => LongLived(run),
            "idle-timeout" => IdleTimeout(run),
            "keepalive-failure" => KeepAliveFailure(run),
            "port-scan" => PortScan(run),
            "injected-rst" => InjectedRstInHandshake(run),
            "injected-rst-established" => InjectedRstEstablished(run),
            "synack-reflection" => SynAckReflection(run),
            "port-reuse-collision" => PortReuseCollision(run),
            "smb-three-member-race" => SmbThreeMemberRace(run),
            _ => throw new InvalidOperationException("Unknown scenario " + scenario),
        };
        return new ScriptStart(scenario, steps);
    }

    private (SyntheticHost Host, ushort Port) PickService()
    {
        int ticket = Random.Next(_serviceWeight);
        foreach ((SyntheticHost host, ushort port, int weight) in _services)
        {
            if (ticket < weight)
                return (host, port);
            ticket -= weight;
        }
        throw new InvalidOperationException("Service weights do not add up.");
    }

    /// <summary>IPv6 when both ends have it, for most such pairs (Happy Eyeballs prefers it).</summary>
    private bool UseIPv6(SyntheticHost client, SyntheticHost server) =>
        client.IPv6 is not null && server.IPv6 is not null && Random.Chance(0.75);

    private static double LossRate(SyntheticConnection c) => c.Server.OneWayDelay > 1_000_000 ? 0.004 : 0.0003;

    private IEnumerable<Step> ServiceSession(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = PickService();
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        return Session(c, ShapeOf(port), LossRate(c));
    }

    // Bulk transfers: where most of the bytes are.

    private IEnumerable<Step> Bulk(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        double kind = Random.NextDouble();
        int size = (int)Random.LogUniform(200_000, 6_000_000);
        if (kind < 0.45)
        {
            // SMB reads of a large file: 1 MiB READ responses, as Windows asks for them.
            SyntheticHost server = Random.Pick(_fileServers);
            SyntheticConnection c = run.Open(client, server, 445, UseIPv6(client, server));
            foreach (Step step in Handshake(c, 0))
                yield return step;
            foreach (Step step in Message(c, Side.Client, PayloadKind.Explicit, _negotiateRequest.Length, Random.Micros(20, 200), _negotiateRequest, finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.Explicit, _negotiateResponse.Length, c.Rtt + Random.Micros(50, 600), _negotiateResponse))
                yield return step;
            for (int done = 0; done < size; done += 1 << 20)
            {
                int chunk = Math.Min(1 << 20, size - done);
                foreach (Step step in Message(c, Side.Client, PayloadKind.SmbRequest, SyntheticPayload.MinimumLength(PayloadKind.SmbRequest), Random.Micros(20, 300), finalAck: false))
                    yield return step;
                foreach (Step step in Message(c, Side.Server, PayloadKind.SmbResponse, SyntheticPayload.Fit(PayloadKind.SmbResponse, chunk), c.Rtt + Random.Micros(50, 500), loss: LossRate(c)))
                    yield return step;
            }
            foreach (Step step in Close(c, Side.Client, Random.MicrosLog(10_000, 5_000_000)))
                yield return step;
        }
        else
        {
            // An HTTPS download, or now and then an upload (a POST of a large body).
            (SyntheticHost server, ushort port) = kind < 0.8 ? PickService() : (Random.Pick(_internalServers), (ushort)443);
            if (!server.Listens(port))
                port = server.OpenPorts[0];
            SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
            bool upload = kind >= 0.8;
            foreach (Step step in Handshake(c, 0))
                yield return step;
            int request = SyntheticPayload.Fit(PayloadKind.Tls, upload ? size : Random.Between(300, 900));
            int response = SyntheticPayload.Fit(PayloadKind.Tls, upload ? Random.Between(200, 600) : size);
            foreach (Step step in Message(c, Side.Client, PayloadKind.Tls, request, Random.Micros(30, 300), loss: upload ? LossRate(c) : 0, finalAck: upload))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.Tls, response, c.Rtt + Random.MicrosLog(200, 30_000), loss: upload ? 0 : LossRate(c)))
                yield return step;
            foreach (Step step in Close(c, Random.Chance(0.5) ? Side.Client : Side.Server, Random.MicrosLog(1_000, 5_000_000)))
                yield return step;
        }
    }
}
