using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>The mixed profile's reflected SYN-ACKs, port-reuse collisions and Samba three-member races, each on its own.</summary>
public class CollisionAndRaceScenarioTests
{
    [Fact]
    public void SynAckReflection_TheVictimNeverSendsASyn_AndResetsOnlyWithBareRsts()
    {
        DecodedCapture capture = DecodedCapture.Generate(new CaptureGeneratorOptions { Scenario = "synack-reflection", Seed = 31, MaxConnections = 150 });
        List<List<DecodedPacket>> tuples = capture.ByTuple();
        HashSet<IpAddress128> victims = [.. capture.Packets.Where(p => p.IsSynAck).Select(p => p.Destination)];
        Assert.InRange(victims.Count, 3, 20);

        Assert.DoesNotContain(capture.Packets, p => victims.Contains(p.Source) && (p.Flags & TcpFlags.Syn) != 0);
        int answered = 0;
        foreach (List<DecodedPacket> t in tuples)
        {
            DecodedPacket first = t[0];
            Assert.True(first.IsSynAck, "every tuple starts with a SYN-ACK nobody asked for");
            List<DecodedPacket> fromVictim = [.. t.Where(p => victims.Contains(p.Source))];
            if (fromVictim.Count > 0)
            {
                answered++;
                DecodedPacket rst = Assert.Single(fromVictim);
                Assert.True(rst.IsBareRst, "<SEQ=SEG.ACK><CTL=RST>, no ACK flag");
                Assert.Equal(first.Ack, rst.Seq);
                Assert.Single(t, p => p.IsSynAck);
            }
            else
            {
                // Retransmitted 1 s and 3 s after the first, same ISN.
                Assert.All(t, p => Assert.True(p.IsSynAck));
                Assert.InRange(t.Count, 2, 3);
                Assert.All(t, p => Assert.Equal(first.Seq, p.Seq));
                Assert.InRange(t[1].Time - first.Time, 999_000_000, 1_001_000_000);
                if (t.Count == 3)
                    Assert.InRange(t[2].Time - first.Time, 2_999_000_000, 3_001_000_000);
            }
        }
        // One in six, give or take.
        Assert.InRange(answered / (double)tuples.Count, 0.07, 0.30);
        // The reflectors: one address each.
        Assert.Equal(tuples.Count, capture.Packets.Where(p => p.IsSynAck).Select(p => p.Source).Distinct().Count());
    }

    [Fact]
    public void PortReuseCollision_ChallengeAckThenRstThenTheSameIsnAgain()
    {
        DecodedCapture capture = DecodedCapture.Generate(new CaptureGeneratorOptions { Scenario = "port-reuse-collision", Seed = 32, MaxConnections = 30 });
        List<List<DecodedPacket>> tuples = capture.ByTuple();
        // Two connections a script: the earlier one and the one that collides with it.
        Assert.True(tuples.Count >= 15, $"{tuples.Count} tuples");
        foreach (List<DecodedPacket> t in tuples)
        {
            List<DecodedPacket> syns = [.. t.Where(p => p.IsSyn)];
            Assert.True(syns.Count >= 3, "the earlier connection's SYN, the colliding SYN and its retry");
            DecodedPacket client = syns[0];
            bool FromClient(DecodedPacket p) => p.Source == client.Source && p.SourcePort == client.SourcePort;

            // The earlier connection: closed by the client's FIN, which the server ACKed but never answered with its own.
            DecodedPacket collide = syns[^2];
            DecodedPacket retry = syns[^1];
            DecodedPacket clientFin = Assert.Single(t, p => FromClient(p) && p.IsFin && p.Time < collide.Time);
            Assert.DoesNotContain(t, p => !FromClient(p) && p.IsFin && p.Time < collide.Time);
            Assert.True(collide.Time - clientFin.Time > 2_000_000_000, "closed some seconds before");
            Assert.NotEqual(syns[0].Seq, collide.Seq);

            // The server's bare ACK with the old numbers, the client's RST at its ack.
            List<DecodedPacket> between = [.. t.Where(p => p.Time > collide.Time && p.Time < retry.Time)];
            Assert.Equal(2, between.Count);
            DecodedPacket challenge = between[0];
            DecodedPacket rst = between[1];
            Assert.False(FromClient(challenge));
            Assert.Equal(TcpFlags.Ack, challenge.Flags);
            Assert.Equal(clientFin.Seq + 1, challenge.Ack);
            Assert.True(FromClient(rst) && rst.IsBareRst);
            Assert.Equal(challenge.Ack, rst.Seq);

            // 3 s after the colliding SYN, the same ISN again, and a normal connection.
            Assert.Equal(collide.Seq, retry.Seq);
            Assert.InRange(retry.Time - collide.Time, 2_999_000_000, 3_001_000_000);
            DecodedPacket synAck = Assert.Single(t, p => p.IsSynAck && p.Time > retry.Time);
            Assert.Equal(retry.Seq + 1, synAck.Ack);
            Assert.Contains(t, p => FromClient(p) && p.PayloadLength > 0 && p.Time > retry.Time);
            Assert.Contains(t, p => !FromClient(p) && p.PayloadLength > 0 && p.Time > retry.Time);
            Assert.Contains(t, p => !FromClient(p) && p.IsFin && p.Time > retry.Time);
            Assert.Single(t, p => p.IsRst);
        }
    }

    [Fact]
    public void SmbThreeMemberRace_TwoProbesClosedWithFin_ThenAThirdConnectionCarriesSmb()
    {
        DecodedCapture capture = DecodedCapture.Generate(new CaptureGeneratorOptions { Scenario = "smb-three-member-race", Seed = 33, MaxConnections = 60 });
        List<List<DecodedPacket>> tuples = capture.ByTuple();
        List<List<DecodedPacket>> netbios = [.. tuples.Where(t => t[0].DestinationPort == 139)];
        Assert.InRange(netbios.Count, 20, 21);
        Assert.Equal(3 * netbios.Count, tuples.Count);
        bool serverFinAfterThirdSyn = false, sessionRequest = false;
        foreach (List<DecodedPacket> probe139 in netbios)
        {
            DecodedPacket syn139 = probe139[0];
            Assert.True(syn139.IsSyn);
            List<List<DecodedPacket>> to445 = [.. tuples.Where(t => t[0].IsSyn && t[0].DestinationPort == 445 && t[0].Source == syn139.Source
                && t[0].Destination == syn139.Destination && Math.Abs(t[0].Time - syn139.Time) < 50_000_000)];
            Assert.Equal(2, to445.Count);
            List<DecodedPacket> probe445 = to445[0];
            List<DecodedPacket> session = to445[1];
            Assert.InRange(syn139.Time - probe445[0].Time, 124_000, 126_000);

            foreach (List<DecodedPacket> probe in (List<DecodedPacket>[])[probe445, probe139])
            {
                Assert.Contains(probe, p => p.IsSynAck);
                Assert.DoesNotContain(probe, p => p.IsRst);
                // No SMB: nothing but the NetBIOS session request (0x81) and its answer (0x82).
                Assert.All(probe.Where(p => p.PayloadLength > 0), p => Assert.Contains(p.CapturedPayload[0], (byte[])[0x81, 0x82]));
                Assert.Contains(probe, p => p.Source == syn139.Source && p.IsFin);
                Assert.Contains(probe, p => p.Source != syn139.Source && p.IsFin);
            }
            sessionRequest |= probe139.Any(p => p.PayloadLength > 0);

            long lastClientFin = Math.Max(probe445.First(p => p.IsFin).Time, probe139.First(p => p.IsFin).Time);
            Assert.InRange(session[0].Time - lastClientFin, 1_000_000, 5_000_000);
            Assert.Contains(session, p => p.Source == syn139.Source && p.PayloadLength > 0 && p.CapturedPayload[0] == 0x00
                && p.CapturedPayload[4..8].SequenceEqual((byte[])[0xFE, (byte)'S', (byte)'M', (byte)'B']));
            Assert.Contains(session, p => p.IsFin);
            serverFinAfterThirdSyn |= probe445.Concat(probe139).Any(p => p.Source != syn139.Source && p.IsFin && p.Time > session[0].Time);
        }
        Assert.True(serverFinAfterThirdSyn, "no probe's FIN from the server after the third SYN");
        Assert.True(sessionRequest, "no NetBIOS session request on 139");
    }
}
