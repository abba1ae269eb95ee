using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>The Scan profile, read back through the decoder and the connection tracker (Zeek's conn_state).</summary>
public class ScanProfileTests
{
    private const int Connections = 5_000;

    private static readonly Lazy<Tracked> Scan = new(() => Tracked.Make(new CaptureGeneratorOptions
    {
        Profile = CaptureProfile.Scan,
        Seed = 7,
        MaxConnections = Connections,
    }));

    [Fact]
    public void HalfRefused_MostOfTheRestUnanswered_AFewCompletedDownloads()
    {
        List<ConnectionSummary> connections = Scan.Value.Connections;
        Assert.Equal(Connections, connections.Count);
        Dictionary<string, int> states = connections.GroupBy(c => c.ConnState).ToDictionary(g => g.Key, g => g.Count());

        double refused = states.GetValueOrDefault("REJ") / (double)Connections;
        Assert.InRange(refused, 0.45, 0.55);
        int rest = Connections - states.GetValueOrDefault("REJ");
        Assert.InRange(states.GetValueOrDefault("S0") / (double)rest, 0.85, 0.95);
        Assert.InRange(states.GetValueOrDefault("SF") / (double)Connections, 0.02, 0.06);
        Assert.Equal(Connections, states.GetValueOrDefault("REJ") + states.GetValueOrDefault("S0") + states.GetValueOrDefault("SF"));
    }

    [Fact]
    public void UnansweredProbes_AreOneSynFromStatelessScanners_OrThreeFromAKernel()
    {
        List<ConnectionSummary> unanswered = [.. Scan.Value.Connections.Where(c => c.ConnState == "S0")];
        Assert.All(unanswered, c => Assert.Contains(c.Originator.SynCount, (int[])[1, 3]));
        double retried = unanswered.Count(c => c.Originator.SynCount == 3) / (double)unanswered.Count;
        Assert.InRange(retried, 0.15, 0.30);
    }

    [Fact]
    public void SeveralScanners_ManyTargets_About20000ConnectionsASecond()
    {
        List<ConnectionSummary> probes = [.. Scan.Value.Connections.Where(c => c.ConnState != "SF")];
        Assert.Equal(6, probes.Select(c => c.Originator.Address).Distinct().Count());
        Assert.True(probes.Select(c => c.Responder.Address).Distinct().Count() > 4_000);
        Assert.Contains(probes, c => c.Responder.Port == 445);
        Assert.Contains(probes, c => c.Responder.Port == 22);

        List<long> starts = [.. Scan.Value.Connections.Select(c => c.StartTime).Order()];
        double rate = (starts.Count - 1) / ((starts[^1] - starts[0]) / 1e9);
        Assert.InRange(rate, 18_000, 22_000);
    }

    [Fact]
    public void About3PacketsAnd1200BytesAConnection_MostBytesInTheDownloads()
    {
        CaptureGenerationSummary summary = Scan.Value.Summary;
        Assert.InRange(summary.Packets / (double)Connections, 2.7, 3.3);
        Assert.InRange(summary.Bytes / (double)Connections, 1_000, 1_500);
        ulong downloaded = Scan.Value.Connections.Where(c => c.ConnState == "SF").Aggregate(0UL, (sum, c) => sum + c.Responder.IpBytes);
        Assert.True(downloaded > (ulong)summary.Bytes / 2, $"{downloaded:N0} of {summary.Bytes:N0} bytes in downloads");
    }

    [Fact]
    public void SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        static byte[] Make(ulong seed) =>
            CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = CaptureProfile.Scan, Seed = seed, MaxPackets = 3_000 });

        byte[] first = Make(42);
        Assert.Equal(first, Make(42));
        Assert.NotEqual(first, Make(43));
    }

    private sealed class Tracked
    {
        public required CaptureGenerationSummary Summary { get; init; }
        public required List<ConnectionSummary> Connections { get; init; }

        public static Tracked Make(CaptureGeneratorOptions options)
        {
            using var stream = new MemoryStream();
            CaptureGenerationSummary summary = CaptureGenerator.Write(stream, options);
            stream.Position = 0;
            var sink = new ConnectionList();
            var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { VerifyChecksums = true });
            using (CaptureFileSource source = CaptureFile.Open(stream, "scan"))
            {
                while (source.TryReadNext(out PacketRecord packet))
                {
                    Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(in packet, out TcpSegment segment));
                    tracker.Process(in segment, packet.Data);
                }
            }
            tracker.Drain();
            Assert.Equal(0, tracker.BadChecksumPackets);
            return new Tracked { Summary = summary, Connections = sink.Connections };
        }
    }
}
