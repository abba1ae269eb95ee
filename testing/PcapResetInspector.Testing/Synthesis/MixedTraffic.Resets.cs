using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>The mixed profile's resets by endpoints and middleboxes: refused connects, aborts, idle timeouts, failed keep-alives, and port scans; with the long-lived sessions they end.</summary>
internal sealed partial class MixedTraffic
{
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
