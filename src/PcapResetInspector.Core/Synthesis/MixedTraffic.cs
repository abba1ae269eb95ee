using ScriptRun = PcapResetInspector.Core.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Core.Synthesis;

/// <summary>
/// The <see cref="CaptureProfile.Mixed"/> network: about 320 clients on four segments (two of them
/// 802.1Q-tagged on the capture trunk, 40% dual-stack), a server room of Samba file servers, domain
/// controllers, web, database, mail and SSH hosts, and web servers beyond the router with real
/// round-trip times. Scripts start as a Poisson process, their kinds dealt from a deck.
/// </summary>
internal sealed class MixedTraffic : TrafficModel
{
    private const double MeanStartGapMicros = 17_000;

    // Per deck of 400 scripts. Web and other request/response sessions fill the rest.
    private static readonly (string Scenario, int Count)[] Shares =
    [
        ("session", 335), ("smb", 12), ("bulk", 2), ("refused", 10), ("server-abort", 7), ("client-abort", 7),
        ("smb-race-a", 3), ("smb-race-b", 4), ("smb-race-c", 2), ("smb-race-d", 2), ("smb-race-e", 1), ("smb-race-f", 1),
        ("smb-race-probe", 2), ("keepalive", 6), ("idle-timeout", 3), ("keepalive-failure", 2), ("port-scan", 1),
    ];

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

    // SMB.

    /// <summary>SMB2 over 445 without NetBIOS (Linux clients, Windows with NetBIOS over TCP off).</summary>
    private IEnumerable<Step> SmbSession(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        SyntheticHost server = Random.Pick(_fileServers);
        SyntheticConnection c = run.Open(client, server, 445, UseIPv6(client, server));
        foreach (Step step in Handshake(c, 0))
            yield return step;
        foreach (Step step in SmbBody(c, netbios: false, Random.Micros(20, 200)))
            yield return step;
    }

    /// <summary>
    /// An SMB session on an open connection: on 139 the NetBIOS session request and positive
    /// response first, then NEGOTIATE and a run of requests (session setup, tree connect, creates,
    /// reads), then the client's FIN.
    /// </summary>
    private IEnumerable<Step> SmbBody(SyntheticConnection c, bool netbios, long firstDelay)
    {
        if (netbios)
        {
            byte[] request = SmbPayloads.NetBiosSessionRequest("FS" + c.Server.IPv4[3], 0x20, "WS-" + c.Client.IPv4[3], 0x00);
            foreach (Step step in Message(c, Side.Client, PayloadKind.Explicit, request.Length, firstDelay, request, finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.Explicit, _sessionResponse.Length, c.Rtt + Random.Micros(30, 200), _sessionResponse, finalAck: false))
                yield return step;
            firstDelay = Random.Micros(20, 300);
        }
        foreach (Step step in Message(c, Side.Client, PayloadKind.Explicit, _negotiateRequest.Length, firstDelay, _negotiateRequest, finalAck: false))
            yield return step;
        foreach (Step step in Message(c, Side.Server, PayloadKind.Explicit, _negotiateResponse.Length, c.Rtt + Random.Micros(50, 600), _negotiateResponse))
            yield return step;

        int exchanges = Random.Between(2, 14);
        for (int i = 0; i < exchanges; i++)
        {
            int request = SyntheticPayload.Fit(PayloadKind.SmbRequest, (int)Random.LogUniform(100, 600));
            int response = SyntheticPayload.Fit(PayloadKind.SmbResponse, (int)Random.LogUniform(90, 20_000));
            long think = i < 4 ? Random.Micros(100, 2_000) : Random.MicrosLog(500, 3_000_000);
            foreach (Step step in Message(c, Side.Client, PayloadKind.SmbRequest, request, think, finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.SmbResponse, response, c.Rtt + Random.MicrosLog(50, 5_000)))
                yield return step;
        }
        foreach (Step step in Close(c, Side.Client, Random.MicrosLog(100_000, 20_000_000)))
            yield return step;
    }

    /// <summary>A Windows client with NetBIOS over TCP on, and a Samba server that listens on both ports.</summary>
    private (SyntheticHost Client, SyntheticHost Server) RacePair(bool needs139 = true)
    {
        SyntheticHost client = Random.Pick(_windowsClients);
        SyntheticHost server = needs139 ? Random.Pick(_raceServers) : _samba445Only;
        return (client, server);
    }

    /// <summary>The two connections of a race in Windows' order: 445, then 139 from the next port.</summary>
    private static (SyntheticConnection Direct, SyntheticConnection NetBios) RaceConnections(ScriptRun run, SyntheticHost client, SyntheticHost server) =>
        (run.Open(client, server, 445), run.Open(client, server, 139));

    /// <summary>Variant A: the loser's SYN-ACK is answered by a bare RST (history ShR). 139 wins as often as 445.</summary>
    private IEnumerable<Step> RaceA(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair();
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        bool netbiosWins = Random.Chance(0.5);
        SyntheticConnection winner = netbiosWins ? netbios : direct;
        SyntheticConnection loser = netbiosWins ? direct : netbios;
        long gap = Random.MicrosLog(5, 400);
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        yield return winner.SynAck(winner.Rtt - gap);
        yield return winner.Ack(Side.Client, AckDelay());
        yield return loser.SynAck(Random.Micros(50, 600));
        yield return loser.Rst(Side.Client, AckDelay(), withAck: false);
        foreach (Step step in SmbBody(winner, netbiosWins, Random.Micros(20, 200)))
            yield return step;
    }

    /// <summary>Variant B: both handshakes complete, the loser is reset with RST,ACK (ShAR).</summary>
    private IEnumerable<Step> RaceB(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair();
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        bool netbiosWins = Random.Chance(0.2);
        SyntheticConnection winner = netbiosWins ? netbios : direct;
        SyntheticConnection loser = netbiosWins ? direct : netbios;
        long gap = Random.MicrosLog(5, 400);
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        yield return direct.SynAck(direct.Rtt - gap);
        yield return netbios.SynAck(Random.Micros(5, 80));
        yield return direct.Ack(Side.Client, AckDelay());
        yield return netbios.Ack(Side.Client, Random.Micros(5, 120));
        yield return loser.Rst(Side.Client, Random.Micros(20, 700), withAck: true);
        foreach (Step step in SmbBody(winner, netbiosWins, Random.Micros(5, 100)))
            yield return step;
    }

    /// <summary>Variant C: the 139 loser gets as far as the NetBIOS session request and response (ShADadR).</summary>
    private IEnumerable<Step> RaceC(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair();
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        long gap = Random.MicrosLog(5, 400);
        byte[] sessionRequest = SmbPayloads.NetBiosSessionRequest("FS" + server.IPv4[3], 0x20, "WS-" + client.IPv4[3], 0x00);
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        yield return direct.SynAck(direct.Rtt - gap);
        yield return netbios.SynAck(Random.Micros(5, 80));
        yield return direct.Ack(Side.Client, AckDelay());
        yield return netbios.Ack(Side.Client, Random.Micros(5, 60));
        yield return netbios.Data(Side.Client, Random.Micros(10, 80), PayloadKind.Explicit, sessionRequest.Length, 0, sessionRequest.Length, sessionRequest);
        yield return direct.Data(Side.Client, Random.Micros(10, 80), PayloadKind.Explicit, _negotiateRequest.Length, 0, _negotiateRequest.Length, _negotiateRequest);
        long answer = netbios.Rtt;
        if (Random.Chance(0.5))
        {
            // The server's ACK of the request comes on its own before the response (history ShADadR).
            yield return netbios.Ack(Side.Server, answer);
            answer = Random.Micros(10, 200);
        }
        yield return netbios.Data(Side.Server, answer, PayloadKind.Explicit, _sessionResponse.Length, 0, _sessionResponse.Length, _sessionResponse);
        yield return direct.Data(Side.Server, Random.Micros(50, 500), PayloadKind.Explicit, _negotiateResponse.Length, 0, _negotiateResponse.Length, _negotiateResponse);
        yield return netbios.Rst(Side.Client, AckDelay(), withAck: true);
        yield return direct.Ack(Side.Client, AckDelay());
        foreach (Step step in SmbExchanges(direct))
            yield return step;
    }

    /// <summary>Variant D: the loser is closed gracefully with FIN (ShAFf, SF).</summary>
    private IEnumerable<Step> RaceD(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair();
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        long gap = Random.MicrosLog(5, 400);
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        yield return direct.SynAck(direct.Rtt - gap);
        yield return netbios.SynAck(Random.Micros(5, 80));
        yield return direct.Ack(Side.Client, AckDelay());
        yield return netbios.Ack(Side.Client, Random.Micros(5, 60));
        foreach (Step step in Close(netbios, Side.Client, Random.Micros(50, 900)))
            yield return step;
        foreach (Step step in SmbBody(direct, netbios: false, Random.Micros(10, 100)))
            yield return step;
    }

    /// <summary>Variant E: a firewall drops 445, Windows retries the SYN twice, 139 carries the session (S0).</summary>
    private IEnumerable<Step> RaceE(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair();
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        long gap = Random.MicrosLog(5, 400);
        byte[] sessionRequest = SmbPayloads.NetBiosSessionRequest("FS" + server.IPv4[3], 0x20, "WS-" + client.IPv4[3], 0x00);
        long elapsed = gap;
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        long d = netbios.Rtt - gap;
        elapsed += d;
        yield return netbios.SynAck(d);
        d = AckDelay();
        elapsed += d;
        yield return netbios.Ack(Side.Client, d);
        d = Random.Micros(20, 120);
        elapsed += d;
        yield return netbios.Data(Side.Client, d, PayloadKind.Explicit, sessionRequest.Length, 0, sessionRequest.Length, sessionRequest);
        d = netbios.Rtt;
        elapsed += d;
        yield return netbios.Data(Side.Server, d, PayloadKind.Explicit, _sessionResponse.Length, 0, _sessionResponse.Length, _sessionResponse);
        d = AckDelay();
        elapsed += d;
        yield return netbios.Data(Side.Client, d, PayloadKind.Explicit, _negotiateRequest.Length, 0, _negotiateRequest.Length, _negotiateRequest);
        d = netbios.Rtt + Random.Micros(50, 400);
        elapsed += d;
        yield return netbios.Data(Side.Server, d, PayloadKind.Explicit, _negotiateResponse.Length, 0, _negotiateResponse.Length, _negotiateResponse);
        d = AckDelay();
        elapsed += d;
        yield return netbios.Ack(Side.Client, d);
        // Windows' SYN retries: 1 s after the SYN, then 2 s after that.
        yield return direct.SynRetransmit(1_000_000_000 - elapsed);
        yield return direct.SynRetransmit(2_000_000_000);
        foreach (Step step in SmbExchanges(netbios))
            yield return step;
    }

    /// <summary>Variant F: fs3 has nothing on 139 and refuses it with RST,ACK (REJ); 445 carries on.</summary>
    private IEnumerable<Step> RaceF(ScriptRun run)
    {
        (SyntheticHost client, SyntheticHost server) = RacePair(needs139: false);
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        long gap = Random.MicrosLog(5, 400);
        yield return direct.Syn(0);
        yield return netbios.Syn(gap);
        yield return direct.SynAck(direct.Rtt - gap);
        yield return netbios.Refuse(Random.Micros(5, 80));
        yield return direct.Ack(Side.Client, AckDelay());
        foreach (Step step in SmbBody(direct, netbios: false, Random.Micros(10, 100)))
            yield return step;
    }

    /// <summary>
    /// The three-member group: both ports probed and closed together (D on each, or D on 445 and F on
    /// 139), then a fresh connection to 445 that carries the session.
    /// </summary>
    private IEnumerable<Step> RaceProbe(ScriptRun run)
    {
        bool refused = Random.Chance(0.4);
        (SyntheticHost client, SyntheticHost server) = RacePair(needs139: !refused);
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        long gap = Random.MicrosLog(2, 300_000);
        yield return direct.Syn(0);
        if (gap < direct.Rtt)
        {
            yield return netbios.Syn(gap);
            yield return direct.SynAck(direct.Rtt - gap);
            yield return refused ? netbios.Refuse(Random.Micros(5, 80)) : netbios.SynAck(Random.Micros(5, 80));
            yield return direct.Ack(Side.Client, AckDelay());
        }
        else
        {
            yield return direct.SynAck(direct.Rtt);
            yield return direct.Ack(Side.Client, AckDelay());
            yield return netbios.Syn(gap - direct.Rtt);
            yield return refused ? netbios.Refuse(netbios.Rtt) : netbios.SynAck(netbios.Rtt);
        }
        if (!refused)
            yield return netbios.Ack(Side.Client, AckDelay());

        long closeAt = Random.Micros(100, 2_000);
        yield return direct.Fin(Side.Client, closeAt);
        if (!refused)
            yield return netbios.Fin(Side.Client, Random.Micros(1, 40));
        yield return direct.Fin(Side.Server, direct.Rtt);
        if (!refused)
            yield return netbios.Fin(Side.Server, Random.Micros(1, 40));
        yield return direct.Ack(Side.Client, AckDelay());
        if (!refused)
            yield return netbios.Ack(Side.Client, Random.Micros(1, 20));

        SyntheticConnection session = run.Open(client, server, 445);
        foreach (Step step in Handshake(session, Random.MicrosLog(500, 50_000)))
            yield return step;
        foreach (Step step in SmbBody(session, netbios: false, Random.Micros(10, 100)))
            yield return step;
    }

    /// <summary>Requests after NEGOTIATE on a winner whose start was scripted by hand.</summary>
    private IEnumerable<Step> SmbExchanges(SyntheticConnection c)
    {
        int exchanges = Random.Between(2, 12);
        for (int i = 0; i < exchanges; i++)
        {
            int request = SyntheticPayload.Fit(PayloadKind.SmbRequest, (int)Random.LogUniform(100, 600));
            int response = SyntheticPayload.Fit(PayloadKind.SmbResponse, (int)Random.LogUniform(90, 20_000));
            foreach (Step step in Message(c, Side.Client, PayloadKind.SmbRequest, request, Random.MicrosLog(100, 2_000_000), finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.SmbResponse, response, c.Rtt + Random.MicrosLog(50, 5_000)))
                yield return step;
        }
        foreach (Step step in Close(c, Side.Client, Random.MicrosLog(100_000, 20_000_000)))
            yield return step;
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

    // Resets.

    /// <summary>
    /// A connect to a port nothing listens on: RST,ACK with seq 0. Windows tries twice more, 0.5 s
    /// apart, from the same port with the same ISN; Linux gives up at once.
    /// </summary>
    private IEnumerable<Step> Refused(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        SyntheticHost server = Random.Pick(_internalServers);
        ushort port = Random.Pick(ClosedPortGuesses);
        while (server.Listens(port))
            port = Random.Pick(ClosedPortGuesses);
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        yield return c.Syn(0);
        yield return c.Refuse(c.Rtt);
        if (client.Traits.SequentialPorts)
        {
            for (int retry = 0; retry < 2; retry++)
            {
                yield return c.SynRetransmit(500_000_000 - c.Rtt);
                yield return c.Refuse(c.Rtt);
            }
        }
    }

    /// <summary>
    /// An established session aborted with RST,ACK and no FIN: by the server (a proxy or application
    /// timeout, a crash), or by the client (a browser cancelling a download). Server data already in
    /// flight when the client aborts is answered by bare RSTs.
    /// </summary>
    private IEnumerable<Step> Abort(ScriptRun run, Side by)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = PickService();
        // Cancelled downloads are a browser's doing: keep the client's aborts on web ports.
        while (by == Side.Client && port is not (80 or 443 or 8080))
            (server, port) = PickService();
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        ServiceShape shape = ShapeOf(port);
        foreach (Step step in Handshake(c, 0))
            yield return step;
        int request = SyntheticPayload.Fit(shape.RequestKind, (int)Random.LogUniform(shape.RequestMin, shape.RequestMax));
        foreach (Step step in Message(c, Side.Client, shape.RequestKind, request, Random.Micros(30, 400), finalAck: false))
            yield return step;

        if (by == Side.Server)
        {
            if (Random.Chance(0.5))
            {
                int partial = SyntheticPayload.Fit(shape.ResponseKind, (int)Random.LogUniform(200, 20_000));
                foreach (Step step in Message(c, Side.Server, shape.ResponseKind, partial, c.Rtt + Random.MicrosLog(100, 50_000)))
                    yield return step;
                yield return c.Rst(Side.Server, Random.MicrosLog(1_000, 30_000_000), withAck: true);
            }
            else
            {
                yield return c.Ack(Side.Server, c.Rtt);
                yield return c.Rst(Side.Server, Random.MicrosLog(1_000_000, 60_000_000), withAck: true);
            }
            yield break;
        }

        int total = SyntheticPayload.Fit(shape.ResponseKind, (int)Random.LogUniform(100_000, 5_000_000));
        int seen = 0;
        int mss = c.SegmentSize(Side.Server);
        int before = Random.Between(2, 40);
        long delay = c.Rtt + Random.MicrosLog(100, 20_000);
        long spacing = Spacing(c);
        for (int i = 0; i < before && seen + mss < total; i++)
        {
            yield return c.Data(Side.Server, delay, shape.ResponseKind, total, seen, mss);
            seen += mss;
            delay = spacing;
            if (i % 2 == 1)
            {
                long ackDelay = AckDelay();
                yield return c.Ack(Side.Client, ackDelay);
                delay = spacing - ackDelay;
            }
        }
        yield return c.Rst(Side.Client, Random.MicrosLog(100, 200_000), withAck: true);
        if (Random.Chance(0.4))
        {
            // The server's segments already on the wire meet a closed socket.
            int inFlight = Random.Between(1, 3);
            for (int i = 0; i < inFlight && seen + mss < total; i++)
            {
                yield return c.Data(Side.Server, i == 0 ? c.Rtt / 2 : spacing, shape.ResponseKind, total, seen, mss);
                seen += mss;
                yield return c.Rst(Side.Client, AckDelay(), withAck: false);
            }
        }
    }

    /// <summary>An SSH or database session that lives for minutes: bursts of small exchanges, keep-alives across the quiet spells, a FIN at the end.</summary>
    private IEnumerable<Step> LongLived(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = Random.Pick(_longLived);
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        foreach (Step step in Handshake(c, 0))
            yield return step;

        long keepAliveTime = Random.Micros(30_000_000, 75_000_000);
        long lifetime = Random.Micros(120_000_000, 900_000_000);
        long elapsed = 0;
        while (elapsed < lifetime)
        {
            int bursts = Random.Between(1, 6);
            for (int i = 0; i < bursts; i++)
            {
                long think = Random.MicrosLog(50_000, 3_000_000);
                foreach (Step step in Message(c, Side.Client, PayloadKind.Letters, Random.Between(36, 400), think, finalAck: false))
                    yield return step;
                foreach (Step step in Message(c, Side.Server, PayloadKind.Letters, Random.Between(36, 3_000), c.Rtt + Random.Micros(50, 2_000)))
                    yield return step;
                elapsed += think + c.Rtt;
            }
            long quiet = Random.MicrosLog(5_000_000, 240_000_000);
            long waited = 0;
            while (waited + keepAliveTime < quiet)
            {
                yield return c.KeepAlive(Side.Client, keepAliveTime);
                yield return c.Ack(Side.Server, c.Rtt);
                waited += keepAliveTime + c.Rtt;
            }
            elapsed += quiet;
            // The next burst starts after the rest of the quiet spell.
            foreach (Step step in Message(c, Side.Client, PayloadKind.Letters, Random.Between(36, 200), quiet - waited, finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.Letters, Random.Between(36, 600), c.Rtt + Random.Micros(50, 500)))
                yield return step;
        }
        foreach (Step step in Close(c, Side.Client, Random.MicrosLog(10_000, 2_000_000)))
            yield return step;
    }

    /// <summary>
    /// A session left idle past a middlebox's timeout (Azure LB 4 min, AWS NLB 350 s): either the
    /// middlebox resets both sides at the same instant with its own TTL, or it forgot the flow and
    /// answers the client's next segment with a RST in the server's name.
    /// </summary>
    private IEnumerable<Step> IdleTimeout(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = Random.Pick(_longLived);
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        foreach (Step step in Handshake(c, 0))
            yield return step;
        int exchanges = Random.Between(1, 6);
        for (int i = 0; i < exchanges; i++)
        {
            foreach (Step step in Message(c, Side.Client, PayloadKind.Letters, Random.Between(40, 500), Random.MicrosLog(1_000, 2_000_000), finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, PayloadKind.Letters, Random.Between(40, 8_000), c.Rtt + Random.Micros(100, 3_000)))
                yield return step;
        }
        const byte MiddleboxTtl = 254;
        if (Random.Chance(0.5))
        {
            yield return c.ForgedRst(Side.Server, Random.Micros(240_000_000, 250_000_000), MiddleboxTtl);
            yield return c.ForgedRst(Side.Client, 0, MiddleboxTtl);
        }
        else
        {
            int length = Random.Between(40, 400);
            yield return c.Data(Side.Client, Random.Micros(350_000_000, 600_000_000), PayloadKind.Letters, length, 0, length);
            yield return c.ForgedRst(Side.Server, Random.Micros(150, 900), MiddleboxTtl);
        }
    }

    /// <summary>The peer vanished: keep-alives go unanswered (Windows: 10, 1 s apart; Linux: 5, 10 s apart), then the prober resets.</summary>
    private IEnumerable<Step> KeepAliveFailure(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = Random.Pick(_longLived);
        SyntheticConnection c = run.Open(client, server, port, UseIPv6(client, server));
        foreach (Step step in Handshake(c, 0))
            yield return step;
        foreach (Step step in Message(c, Side.Client, PayloadKind.Letters, Random.Between(40, 500), Random.Micros(50, 500), finalAck: false))
            yield return step;
        foreach (Step step in Message(c, Side.Server, PayloadKind.Letters, Random.Between(40, 4_000), c.Rtt + Random.Micros(100, 2_000)))
            yield return step;
        bool windows = client.Traits.SequentialPorts;
        int probes = windows ? 10 : 5;
        long interval = windows ? 1_000_000_000 : 10_000_000_000;
        yield return c.KeepAlive(Side.Client, Random.Micros(30_000_000, 120_000_000));
        for (int i = 1; i < probes; i++)
            yield return c.KeepAlive(Side.Client, interval);
        yield return c.Rst(Side.Client, interval, withAck: true);
    }

    /// <summary>
    /// An nmap-style SYN scan from one host to one server: one source port, ports in random order a
    /// millisecond or so apart; closed ports answer RST,ACK, open ones SYN-ACK, which the scanner's
    /// kernel resets with a bare RST (the race loser's shape, without a sibling).
    /// </summary>
    private IEnumerable<Step> PortScan(ScriptRun run)
    {
        SyntheticHost target = Random.Pick(_internalServers);
        int count = Random.Between(16, 40);
        ushort[] ports = [.. ScanPorts];
        Random.Shuffle(ports.AsSpan());
        ushort sourcePort = run.TakePort(_scanner);
        long delay = 0;
        for (int i = 0; i < Math.Min(count, ports.Length); i++)
        {
            SyntheticConnection c = run.Open(_scanner, sourcePort, target, ports[i]);
            yield return c.Syn(delay);
            if (target.Listens(ports[i]))
            {
                yield return c.SynAck(c.Rtt);
                yield return c.Rst(Side.Client, Random.Micros(5, 30), withAck: false);
            }
            else
            {
                yield return c.Refuse(c.Rtt);
            }
            delay = Random.MicrosLog(200, 3_000);
        }
    }
}
