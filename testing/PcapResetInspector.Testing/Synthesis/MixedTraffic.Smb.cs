using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>The mixed profile's SMB sessions, and Windows clients racing 445 against 139 (variants A to F, and the probe group).</summary>
internal sealed partial class MixedTraffic
{
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
}
