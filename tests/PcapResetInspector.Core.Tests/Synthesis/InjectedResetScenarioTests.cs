using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>The mixed profile's injected-RST scenarios, each generated on its own and checked packet by packet.</summary>
public class InjectedResetScenarioTests
{
    private static readonly Lazy<DecodedCapture> Handshake = new(() => DecodedCapture.Generate(new CaptureGeneratorOptions
    {
        Scenario = "injected-rst",
        Seed = 21,
        MaxConnections = 25,
    }));

    private static readonly Lazy<DecodedCapture> Established = new(() => DecodedCapture.Generate(new CaptureGeneratorOptions
    {
        Scenario = "injected-rst-established",
        Seed = 22,
        MaxConnections = 40,
    }));

    [Fact]
    public void InHandshake_TheForgedRstHasEveryTell_AndTheRealSynAckComesAfterIt()
    {
        List<List<DecodedPacket>> connections = Handshake.Value.ByTuple();
        Assert.Equal(25, connections.Count);
        foreach (List<DecodedPacket> c in connections)
        {
            DecodedPacket syn = Assert.Single(c, p => p.IsSyn);
            DecodedPacket rst = Assert.Single(c, p => p.IsRst);
            DecodedPacket synAck = Assert.Single(c, p => p.IsSynAck);
            Assert.True(syn == c[0], "the SYN comes first");

            // A RST,ACK in the server's name, about 230 ms after the SYN.
            Assert.True(rst.IsRstAck, "RST,ACK");
            Assert.Equal(synAck.Source, rst.Source);
            Assert.Equal(synAck.SourcePort, rst.SourcePort);
            Assert.InRange(rst.Time - syn.Time, 200_000_000, 260_000_000);
            // The tells: TTL 3 below the server's, the SYN's IP-ID, a reserved bit, ack = ISN.
            Assert.Equal(synAck.Ttl - 3, rst.Ttl);
            Assert.Equal(syn.IpId, rst.IpId);
            Assert.NotEqual(0, rst.ReservedNibble);
            Assert.Equal(syn.Seq, rst.Ack);

            // The real SYN-ACK: about a second after the SYN, after the RST, acking ISN+1.
            Assert.True(synAck.Time > rst.Time);
            Assert.InRange(synAck.Time - syn.Time, 900_000_000, 1_000_000_000);
            Assert.Equal(syn.Seq + 1, synAck.Ack);

            // Only the injected packet has reserved bits; the connection carries data both ways and ends with FINs.
            Assert.All(c.Where(p => p != rst), p => Assert.Equal(0, p.ReservedNibble));
            Assert.Contains(c, p => p.Source == syn.Source && p.PayloadLength > 0);
            Assert.Contains(c, p => p.Source == synAck.Source && p.PayloadLength > 0);
            Assert.Contains(c, p => p.Source == syn.Source && p.IsFin);
            Assert.Contains(c, p => p.Source == synAck.Source && p.IsFin);
        }
    }

    [Fact]
    public void Established_TheServerKeepsSendingAfterARstWithAnotherTtl()
    {
        List<List<DecodedPacket>> connections = Established.Value.ByTuple();
        Assert.Equal(40, connections.Count);
        int clientResets = 0, closedWithFin = 0;
        foreach (List<DecodedPacket> c in connections)
        {
            DecodedPacket syn = Assert.Single(c, p => p.IsSyn);
            DecodedPacket synAck = Assert.Single(c, p => p.IsSynAck);
            DecodedPacket injected = Assert.Single(c, p => p.IsRst && p.Source == synAck.Source);
            Assert.True(injected.IsRstAck);
            Assert.True(Math.Abs(injected.Ttl - synAck.Ttl) >= 5, $"TTL {injected.Ttl} against the server's {synAck.Ttl}");
            Assert.All(c.Where(p => p.Source == synAck.Source && p != injected), p => Assert.Equal(synAck.Ttl, p.Ttl));
            Assert.Contains(c, p => p.Source == synAck.Source && p.PayloadLength > 0 && p.Time > injected.Time);

            List<DecodedPacket> clientAfter = [.. c.Where(p => p.Source == syn.Source && p.Time > injected.Time)];
            if (clientAfter.Any(p => p.IsRst))
            {
                // The RST hit RCV.NXT: the client's stack forgot the connection and resets what keeps coming.
                clientResets++;
                Assert.Equal(c.Last(p => p.Source == synAck.Source && p.PayloadLength > 0 && p.Time < injected.Time).Seq
                    + (uint)c.Last(p => p.Source == synAck.Source && p.PayloadLength > 0 && p.Time < injected.Time).PayloadLength, injected.Seq);
                Assert.All(clientAfter, p => Assert.True(p.IsBareRst));
                Assert.DoesNotContain(c, p => p.IsFin);
            }
            else
            {
                // Only in the window: a challenge ACK, the rest of the transfer, FINs both ways.
                closedWithFin++;
                Assert.Contains(c, p => p.Source == syn.Source && p.IsFin);
                Assert.Contains(c, p => p.Source == synAck.Source && p.IsFin);
            }
        }
        Assert.True(clientResets > 0, "no RST on RCV.NXT");
        Assert.True(closedWithFin > 0, "no RST inside the window only");
    }

    [Fact]
    public void MixedProfile_HoldsTheNewScenarios()
    {
        CaptureGenerationSummary summary;
        using (var stream = new MemoryStream())
            summary = CaptureGenerator.Write(stream, new CaptureGeneratorOptions { Seed = 11, MaxConnections = 1_000 });
        Assert.All(
            ["injected-rst", "injected-rst-established", "synack-reflection", "port-reuse-collision", "smb-three-member-race"],
            scenario => Assert.True(summary.Scenarios.GetValueOrDefault(scenario) >= 1, scenario));
    }

    [Fact]
    public void Scenario_MustBeOneOfTheProfiles()
    {
        Assert.Contains("injected-rst", CaptureGenerator.ScenarioNames(CaptureProfile.Mixed));
        Assert.Throws<ArgumentException>(() => CaptureGenerator.Generate(new CaptureGeneratorOptions { Scenario = "no-such-thing", MaxPackets = 10 }));
        Assert.Throws<ArgumentException>(() => CaptureGenerator.Generate(new CaptureGeneratorOptions
        {
            Profile = CaptureProfile.Synflood,
            Scenario = "injected-rst",
            MaxPackets = 10,
        }));

        CaptureGenerationSummary summary;
        using (var stream = new MemoryStream())
            summary = CaptureGenerator.Write(stream, new CaptureGeneratorOptions { Scenario = "port-reuse-collision", MaxConnections = 10 });
        Assert.Equal(["port-reuse-collision"], summary.Scenarios.Keys);
    }
}
