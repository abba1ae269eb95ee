using PcapResetInspector.Core.Decoding;
using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// The mixed profile's rarer shapes of resets that no endpoint meant: RSTs injected by a device on
/// the path, SYN-ACKs reflected at a host whose address someone forged, a SYN that meets an older
/// connection on its 4-tuple, and a Samba client's probe-then-connect to a file server.
/// </summary>
internal sealed partial class MixedTraffic
{
    /// <summary>
    /// The reserved bit the injector sets: the high one of the four in the data-offset byte
    /// (RFC 9293 §3.1). The low one (0x01) was NS (RFC 3540) and decoders still read it as a flag.
    /// </summary>
    public const byte InjectorReservedBits = 0x08;

    private List<(SyntheticHost Host, ushort Port)>? _externalWeb;
    private List<SyntheticHost>? _linuxClients;
    private SpoofedAddresses? _spoofed;

    /// <summary>Web services beyond the router: where on-path injectors sit between client and server.</summary>
    private List<(SyntheticHost Host, ushort Port)> ExternalWeb =>
        _externalWeb ??= [.. _services.Where(s => s.Host.OneWayDelay > 1_000_000 && s.Port is 80 or 443).Select(s => (s.Host, s.Port))];

    private List<SyntheticHost> LinuxClients => _linuxClients ??= [.. _clients.Where(c => !c.Traits.SequentialPorts)];

    /// <summary>
    /// An on-path injector answers a client's SYN about 230 ms later with a forged RST,ACK in the
    /// server's name, with the injector's tells: TTL 3 below the server's, the IP-ID copied from the
    /// SYN, a reserved bit set, and ack = the client's ISN where a real stack acks ISN+1. The client
    /// ignores it (the ack is not acceptable in SYN-SENT, RFC 9293 §3.10.7.3); the real SYN-ACK
    /// comes about a second after the SYN, and the connection carries data and closes with FIN.
    /// </summary>
    private IEnumerable<Step> InjectedRstInHandshake(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = Random.Pick(ExternalWeb);
        SyntheticConnection c = run.Open(client, server, port);
        yield return c.Syn(0);
        long injectedAt = Random.Micros(215_000, 245_000);
        yield return c.Forged(Side.Server, injectedAt, TcpFlags.Rst | TcpFlags.Ack,
            seq: Random.NextUInt32(), ack: c.Isn(Side.Client), ttl: (byte)(server.Traits.Ttl - 3),
            ipId: c.LastIpId(Side.Client), reserved: InjectorReservedBits);
        // Before the client's own retry timer (1 s) runs out.
        yield return c.SynAck(Random.Micros(950_000, 995_000) - injectedAt);
        yield return c.Ack(Side.Client, AckDelay());
        foreach (Step step in Exchanges(c, Random.Between(1, 3)))
            yield return step;
        foreach (Step step in Close(c, Random.Chance(0.6) ? Side.Client : Side.Server, Random.MicrosLog(1_000, 3_000_000)))
            yield return step;
    }

    /// <summary>
    /// Mid-download, an injected RST,ACK in the server's name (TTL 5 to 12 away from the server's)
    /// lands between the server's segments, and the server, which sent nothing of the kind, keeps
    /// sending. Half the time the RST's seq is exactly the client's RCV.NXT: the client's stack
    /// drops the connection and answers the segments still coming with bare RSTs until the server
    /// gives up. Otherwise the seq is only inside the window: the client sends a challenge ACK
    /// (RFC 5961 §3.2), the transfer goes on and ends with FIN.
    /// </summary>
    private IEnumerable<Step> InjectedRstEstablished(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = Random.Pick(ExternalWeb);
        SyntheticConnection c = run.Open(client, server, port);
        ServiceShape shape = ShapeOf(port);
        foreach (Step step in Handshake(c, 0))
            yield return step;
        int request = SyntheticPayload.Fit(shape.RequestKind, (int)Random.LogUniform(shape.RequestMin, shape.RequestMax));
        foreach (Step step in Message(c, Side.Client, shape.RequestKind, request, Random.Micros(30, 400), finalAck: false))
            yield return step;

        int total = SyntheticPayload.Fit(shape.ResponseKind, (int)Random.LogUniform(40_000, 400_000));
        int mss = c.SegmentSize(Side.Server);
        int injectAfter = Random.Between(2, 8);
        bool exact = Random.Chance(0.5);
        int off = Random.Between(5, 12);
        byte serverTtl = server.Traits.Ttl;
        byte ttl = Random.Chance(0.5) && serverTtl + off <= byte.MaxValue ? (byte)(serverTtl + off) : (byte)(serverTtl - off);
        long spacing = Spacing(c);
        long delay = c.Rtt + Random.MicrosLog(100, 20_000);
        int sent = 0, segments = 0, unacked = 0, resetsLeft = -1;
        while (sent < total)
        {
            int length = Math.Min(mss, total - sent);
            yield return c.Data(Side.Server, delay, shape.ResponseKind, total, sent, length);
            sent += length;
            segments++;
            delay = spacing;
            if (resetsLeft >= 0)
            {
                // The client's stack no longer has the connection (RFC 9293 §3.10.7.1).
                yield return c.Rst(Side.Client, AckDelay(), withAck: false);
                if (--resetsLeft == 0)
                    yield break;   // the server takes the client's RST and stops
                continue;
            }
            if (++unacked == 2)
            {
                yield return c.Ack(Side.Client, AckDelay());
                unacked = 0;
            }
            if (segments != injectAfter)
                continue;

            uint rcvNext = c.NextSeq(Side.Server);
            uint seq = exact ? rcvNext : rcvNext + (uint)(mss * Random.Between(2, 20));
            yield return c.Forged(Side.Server, Random.Micros(10, 150), TcpFlags.Rst | TcpFlags.Ack,
                seq, c.NextSeq(Side.Client), ttl, (ushort)Random.Next(65536));
            if (exact)
                resetsLeft = Random.Between(2, 5);
            else
                yield return c.Ack(Side.Client, AckDelay());   // the challenge ACK
        }
        if (unacked > 0)
            yield return c.Ack(Side.Client, AckDelay());
        foreach (Step step in Close(c, Random.Chance(0.5) ? Side.Client : Side.Server, Random.MicrosLog(1_000, 2_000_000)))
            yield return step;
    }

    /// <summary>
    /// A client whose address someone used for a SYN flood: SYN-ACKs from a dozen to forty
    /// reflectors over a few seconds for SYNs it never sent; it resets one in six, the rest are
    /// retransmitted (see <see cref="Reflection.Reflector"/>).
    /// </summary>
    private IEnumerable<Step> SynAckReflection(ScriptRun run)
    {
        SyntheticHost victim = Random.Pick(_clients);
        _spoofed ??= new SpoofedAddresses(Random);
        int reflectors = Random.Between(12, 40);
        var parts = new List<(IEnumerable<Step> Steps, long Start)>(reflectors);
        long start = 0;
        for (int i = 0; i < reflectors; i++)
        {
            // The flooding tool's source ports: the victim's dynamic range.
            ushort victimPort = (ushort)Random.Between(49152, 65535);
            parts.Add((Reflection.Reflector(run, Random, _spoofed, victim, victimPort), start));
            start += (long)(Random.Exponential(120_000) * 1000);
        }
        return StepMerge.Merge(parts);
    }

    /// <summary>
    /// A SYN on a 4-tuple the server still holds: an earlier connection from the same client port
    /// was closed by the client's FIN, which the server ACKed without ever closing (CLOSE_WAIT).
    /// Seconds later a new SYN (a new ISN, from the same port: a NAT's reuse or a random pick)
    /// gets the server's challenge ACK with the old connection's numbers (RFC 5961 §4), the client
    /// answers the unacceptable ACK with &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; (RFC 9293 §3.10.7.3),
    /// which clears the old connection, and its SYN retransmission 3 s after the first (same ISN)
    /// opens the new one normally.
    /// </summary>
    private IEnumerable<Step> PortReuseCollision(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(_clients);
        (SyntheticHost server, ushort port) = PickService();
        bool ipv6 = UseIPv6(client, server);
        ushort clientPort = run.TakePort(client);
        SyntheticConnection earlier = run.Open(client, clientPort, server, port, ipv6);
        foreach (Step step in Handshake(earlier, 0))
            yield return step;
        foreach (Step step in Exchanges(earlier, 1))
            yield return step;
        yield return earlier.Fin(Side.Client, Random.MicrosLog(1_000, 2_000_000));
        yield return earlier.Ack(Side.Server, earlier.Rtt);

        SyntheticConnection later = run.Open(client, clientPort, server, port, ipv6);
        yield return later.Syn(Random.Micros(3_000_000, 20_000_000));
        yield return earlier.Ack(Side.Server, later.Rtt);
        long rstDelay = AckDelay();
        yield return later.RstAt(Side.Client, rstDelay, earlier.NextSeq(Side.Client));
        yield return later.SynRetransmit(3_000_000_000 - later.Rtt - rstDelay);
        yield return later.SynAck(later.Rtt);
        yield return later.Ack(Side.Client, AckDelay());
        foreach (Step step in Exchanges(later, Random.Between(1, 3)))
            yield return step;
        foreach (Step step in Close(later, Side.Client, Random.MicrosLog(1_000, 3_000_000)))
            yield return step;
    }

    /// <summary>
    /// A Samba client (smbclient, a Linux mount helper) probes 445 and 139 0.125 ms apart; both
    /// handshakes complete, the 139 one mostly gets as far as the NetBIOS session request and the
    /// positive response, and the client closes both with FIN without sending SMB on either. A
    /// few milliseconds after those FINs it opens a third connection to 445, which carries the
    /// SMB session; Samba's FIN for the probes may come after that third SYN.
    /// </summary>
    private IEnumerable<Step> SmbThreeMemberRace(ScriptRun run)
    {
        SyntheticHost client = Random.Pick(LinuxClients);
        SyntheticHost server = Random.Pick(_raceServers);
        (SyntheticConnection direct, SyntheticConnection netbios) = RaceConnections(run, client, server);
        foreach (Step step in StepMerge.Merge([(ProbeHandshake(direct), 0), (ProbeHandshake(netbios), 125_000)]))
            yield return step;

        if (Random.Chance(0.7))
        {
            byte[] request = SmbPayloads.NetBiosSessionRequest("FS" + server.IPv4[3], 0x20, "LX-" + client.IPv4[3], 0x00);
            foreach (Step step in Message(netbios, Side.Client, PayloadKind.Explicit, request.Length, Random.Micros(10, 80), request, finalAck: false))
                yield return step;
            foreach (Step step in Message(netbios, Side.Server, PayloadKind.Explicit, _sessionResponse.Length, netbios.Rtt + Random.Micros(30, 200), _sessionResponse))
                yield return step;
        }
        yield return direct.Fin(Side.Client, Random.Micros(20, 400));
        yield return netbios.Fin(Side.Client, Random.Micros(1, 40));

        SyntheticConnection session = run.Open(client, server, 445);
        foreach (Step step in StepMerge.Merge(
        [
            (ServerClose(direct), direct.Rtt + Random.MicrosLog(100, 8_000)),
            (ServerClose(netbios), netbios.Rtt + Random.MicrosLog(100, 8_000)),
            (SessionAfterProbes(session), Random.Micros(1_000, 5_000)),
        ]))
            yield return step;
    }

    private IEnumerable<Step> ProbeHandshake(SyntheticConnection c)
    {
        yield return c.Syn(0);
        yield return c.SynAck(c.Rtt);
        yield return c.Ack(Side.Client, AckDelay());
    }

    private IEnumerable<Step> ServerClose(SyntheticConnection c)
    {
        yield return c.Fin(Side.Server, 0);
        yield return c.Ack(Side.Client, AckDelay());
    }

    private IEnumerable<Step> SessionAfterProbes(SyntheticConnection session)
    {
        foreach (Step step in Handshake(session, 0))
            yield return step;
        foreach (Step step in SmbBody(session, netbios: false, Random.Micros(10, 100)))
            yield return step;
    }

    /// <summary>Request/response rounds in the connection's service shape.</summary>
    private IEnumerable<Step> Exchanges(SyntheticConnection c, int rounds)
    {
        ServiceShape shape = ShapeOf(c.ServerPort);
        for (int round = 0; round < rounds; round++)
        {
            int request = SyntheticPayload.Fit(shape.RequestKind, (int)Random.LogUniform(shape.RequestMin, shape.RequestMax));
            int response = SyntheticPayload.Fit(shape.ResponseKind, (int)Random.LogUniform(shape.ResponseMin, shape.ResponseMax));
            long think = round == 0 ? Random.Micros(30, 400) : Random.MicrosLog(1_000, 2_000_000);
            foreach (Step step in Message(c, Side.Client, shape.RequestKind, request, think, finalAck: false))
                yield return step;
            foreach (Step step in Message(c, Side.Server, shape.ResponseKind, response, c.Rtt + Random.MicrosLog(80, 30_000)))
                yield return step;
        }
    }
}
