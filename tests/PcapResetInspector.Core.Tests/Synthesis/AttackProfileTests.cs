using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>The Reflection, SpoofedSynFlood, PortSweep, SpreadProbes and ReusedTuple profiles, and headers-only generation.</summary>
public class AttackProfileTests
{
    private const int Probes = 65_535;

    private static readonly Lazy<DecodedCapture> Sweep = new(() => Probe(CaptureProfile.PortSweep));
    private static readonly Lazy<DecodedCapture> Spread = new(() => Probe(CaptureProfile.SpreadProbes));
    private static readonly Lazy<DecodedCapture> Reused = new(() => Probe(CaptureProfile.ReusedTuple));

    private static DecodedCapture Probe(CaptureProfile profile) =>
        DecodedCapture.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = 41, MaxConnections = Probes });

    [Theory]
    [InlineData(CaptureProfile.Reflection)]
    [InlineData(CaptureProfile.SpoofedSynFlood)]
    [InlineData(CaptureProfile.PortSweep)]
    [InlineData(CaptureProfile.SpreadProbes)]
    [InlineData(CaptureProfile.ReusedTuple)]
    public void SameSeed_SameBytes_OtherSeed_OtherBytes(CaptureProfile profile)
    {
        static byte[] Make(CaptureProfile profile, ulong seed) =>
            CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = seed, MaxPackets = 3_000 });

        byte[] first = Make(profile, 42);
        Assert.Equal(first, Make(profile, 42));
        Assert.NotEqual(first, Make(profile, 43));
    }

    [Fact]
    public void Reflection_ThousandsOfSynAcksFromThousandsOfSources_ToOneVictimThatNeverSendsASyn()
    {
        DecodedCapture capture = DecodedCapture.Generate(new CaptureGeneratorOptions { Profile = CaptureProfile.Reflection, Seed = 43, MaxConnections = 3_000 });
        IpAddress128 victim = IpAddress128.Parse("203.0.113.80");
        List<DecodedPacket> synAcks = [.. capture.Packets.Where(p => p.IsSynAck && p.Destination == victim)];
        Assert.True(synAcks.Count > 4_000, $"{synAcks.Count} SYN-ACKs");
        int sources = synAcks.Select(p => p.Source).Distinct().Count();
        Assert.True(sources > 2_500, $"{sources} sources");
        Assert.Contains(synAcks, p => p.SourcePort == 80);
        Assert.Contains(synAcks, p => p.SourcePort == 443);
        Assert.Contains(synAcks, p => p.SourcePort == 22);
        Assert.InRange(synAcks[^1].Time - synAcks[0].Time, 10_000_000_000, 60_000_000_000);

        // The victim opens nothing; what it sends to reflectors is <SEQ=SEG.ACK><CTL=RST>, to about one in six.
        Assert.DoesNotContain(capture.Packets, p => p.Source == victim && p.IsSyn);
        Dictionary<(IpAddress128, ushort, IpAddress128, ushort), DecodedPacket> firstSynAck = synAcks.GroupBy(p => p.Tuple).ToDictionary(g => g.Key, g => g.First());
        List<DecodedPacket> resets = [.. capture.Packets.Where(p => p.Source == victim && p.IsRst && firstSynAck.ContainsKey(p.Tuple))];
        Assert.All(resets, rst => Assert.True(rst.IsBareRst));
        Assert.All(resets, rst => Assert.Equal(firstSynAck[rst.Tuple].Ack, rst.Seq));
        Assert.InRange(resets.Count / (double)sources, 0.12, 0.22);

        // A little normal web traffic: visitors' handshakes to the victim's 443 and 80.
        int visits = capture.Packets.Count(p => p.IsSyn && p.Destination == victim);
        Assert.InRange(visits, 30, 200);
    }

    [Fact]
    public void SpoofedSynFlood_EverySynFromAnotherAddress_NoneAnswered_About1500PerSecond()
    {
        DecodedCapture capture = DecodedCapture.Generate(new CaptureGeneratorOptions { Profile = CaptureProfile.SpoofedSynFlood, Seed = 44, MaxConnections = 15_000 });
        List<DecodedPacket> packets = capture.Packets;
        Assert.Equal(15_000, packets.Count);
        Assert.All(packets, p => Assert.True(p.IsSyn));
        Assert.Single(packets.Select(p => (p.Destination, p.DestinationPort)).Distinct());
        Assert.Equal(packets.Count, packets.Select(p => p.Source).Distinct().Count());
        double rate = packets.Count / ((packets[^1].Time - packets[0].Time) / 1e9);
        Assert.InRange(rate, 1_350, 1_650);
    }

    [Fact]
    public void PortSweep_CoversEveryPortOfOneHost_EachRefused_At10000PerSecond()
    {
        List<DecodedPacket> packets = Sweep.Value.Packets;
        Assert.Equal(2 * Probes, packets.Count);
        List<DecodedPacket> syns = [.. packets.Where(p => p.IsSyn)];
        Assert.Equal(Probes, syns.Count);
        Assert.Single(syns.Select(p => p.Source).Distinct());
        Assert.Single(syns.Select(p => p.Destination).Distinct());
        Assert.Equal(Probes, syns.Select(p => p.DestinationPort).Distinct().Count());
        Assert.DoesNotContain(syns, p => p.DestinationPort == 0);
        AssertEverySynRefusedBeforeTheNext(packets);
        AssertTenThousandPerSecond(syns);
    }

    [Fact]
    public void SpreadProbes_SameCountAndRate_ButNoSourceTwice()
    {
        List<DecodedPacket> packets = Spread.Value.Packets;
        Assert.Equal(Sweep.Value.Packets.Count, packets.Count);
        List<DecodedPacket> syns = [.. packets.Where(p => p.IsSyn)];
        Assert.Equal(Probes, syns.Select(p => p.Source).Distinct().Count());
        Assert.True(syns.Select(p => p.Destination).Distinct().Count() > 3_000, "servers at random from a pool");
        AssertEverySynRefusedBeforeTheNext(packets);
        AssertTenThousandPerSecond(syns);
        Assert.Equal(Sweep.Value.Packets[^1].Time - Sweep.Value.Packets[0].Time, packets[^1].Time - packets[0].Time);
    }

    [Fact]
    public void ReusedTuple_OneFourTuple_ANewIsnEveryTime()
    {
        List<DecodedPacket> packets = Reused.Value.Packets;
        Assert.Equal(2 * Probes, packets.Count);
        Assert.Single(packets.Select(p => p.Tuple).Distinct());
        List<DecodedPacket> syns = [.. packets.Where(p => p.IsSyn)];
        Assert.Equal(Probes, syns.Count);
        for (int i = 1; i < syns.Count; i++)
            Assert.NotEqual(syns[i - 1].Seq, syns[i].Seq);
        // Random 32-bit ISNs: a repeat or two among 65,535 is the birthday paradox, not reuse.
        Assert.True(syns.Select(p => p.Seq).Distinct().Count() > Probes - 10);
        AssertEverySynRefusedBeforeTheNext(packets);
        AssertTenThousandPerSecond(syns);
    }

    /// <summary>SYN, its RST,ACK (seq 0, ack ISN+1, same tuple), then the next SYN.</summary>
    private static void AssertEverySynRefusedBeforeTheNext(List<DecodedPacket> packets)
    {
        for (int i = 0; i < packets.Count; i += 2)
        {
            DecodedPacket syn = packets[i], answer = packets[i + 1];
            if (!syn.IsSyn || !answer.IsRstAck || answer.Tuple != syn.Tuple || answer.Seq != 0 || answer.Ack != syn.Seq + 1)
                Assert.Fail($"packets {i} and {i + 1} are no SYN and its refusal");
        }
    }

    private static void AssertTenThousandPerSecond(List<DecodedPacket> syns)
    {
        Assert.Equal(100_000, syns[1].Time - syns[0].Time);
        Assert.Equal((syns.Count - 1) * 100_000L, syns[^1].Time - syns[0].Time);
    }

    [Fact]
    public void HeadersOnly_KeepsEveryHeaderAndLength_AndNoPayloadByte()
    {
        var options = new CaptureGeneratorOptions { Seed = 45, MaxPackets = 4_000 };
        DecodedCapture full = DecodedCapture.Generate(options);
        options.HeadersOnly = true;
        byte[] file = CaptureGenerator.Generate(options);
        DecodedCapture headers = DecodedCapture.Read(file);

        Assert.Equal(full.Packets.Count, headers.Packets.Count);
        Assert.True(full.Packets.Sum(p => p.Segment.CapturedPayloadLength) > 1_000_000, "the full capture carries payload");
        Assert.All(headers.Packets, p => Assert.Equal(0, p.Segment.CapturedPayloadLength));
        Assert.All(headers.Packets, p => Assert.Equal(p.Segment.PayloadOffset, p.Frame.Length));
        for (int i = 0; i < full.Packets.Count; i++)
        {
            DecodedPacket a = full.Packets[i], b = headers.Packets[i];
            Assert.Equal(a.OriginalLength, b.OriginalLength);
            Assert.Equal(a.Time, b.Time);
            Assert.Equal(a.PayloadLength, b.PayloadLength);
            Assert.True(a.Frame.AsSpan(0, b.Frame.Length).SequenceEqual(b.Frame), $"packet {i} is not the full one's start");
        }
        Assert.Equal(file.Length, 24 + headers.Packets.Sum(p => 16L + p.Frame.Length));
    }
}
