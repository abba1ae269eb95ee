using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class CaptureGeneratorTests
{
    /// <summary>About two decks of the mixed profile: every scenario at least twice.</summary>
    private static readonly Lazy<Generated> Mixed = new(() => Generated.Make(new CaptureGeneratorOptions { Seed = 11, MaxConnections = 1_000 }));

    private static readonly Lazy<Generated> Flood = new(() => Generated.Make(new CaptureGeneratorOptions
    {
        Profile = CaptureProfile.Synflood,
        Seed = 5,
        MaxConnections = 5_000,
    }));

    [Theory]
    [InlineData(CaptureProfile.Mixed)]
    [InlineData(CaptureProfile.Synflood)]
    public void SameSeed_SameBytes_OtherSeed_OtherBytes(CaptureProfile profile)
    {
        static byte[] Make(CaptureProfile profile, ulong seed) =>
            CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = seed, MaxPackets = 3_000 });

        byte[] first = Make(profile, 42);
        Assert.Equal(first, Make(profile, 42));
        Assert.NotEqual(first, Make(profile, 43));
    }

    [Fact]
    public void PacketLimit_IsExact_AndTheSummaryMatchesTheFile()
    {
        using var stream = new MemoryStream();
        CaptureGenerationSummary summary = CaptureGenerator.Write(stream, new CaptureGeneratorOptions { Seed = 3, MaxPackets = 1_234 });

        Assert.Equal(1_234, summary.Packets);
        Assert.True(summary.CutShort);
        Assert.Equal(stream.Length, summary.Bytes);
        Assert.Equal(1_234, ReadAll(stream.ToArray()).Count);
    }

    [Fact]
    public void ByteLimit_IsNeverPassed()
    {
        using var stream = new MemoryStream();
        CaptureGenerationSummary summary = CaptureGenerator.Write(stream, new CaptureGeneratorOptions { Seed = 3, MaxBytes = 500_000 });

        Assert.Equal(stream.Length, summary.Bytes);
        Assert.InRange(stream.Length, 500_000 - 1_600, 500_000);
    }

    [Fact]
    public void NoLimit_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => CaptureGenerator.Generate(new CaptureGeneratorOptions()));
    }

    [Fact]
    public void Mixed_ReadsBackCleanly_InTimeOrder_AndEveryFrameIsTcpWithGoodChecksums()
    {
        Generated mixed = Mixed.Value;
        Assert.Equal(mixed.Summary.Packets, mixed.Frames.Count);
        Assert.Equal(mixed.Summary.FirstTimestampNanos, mixed.Frames[0].Timestamp);
        Assert.Equal(mixed.Summary.LastTimestampNanos, mixed.Frames[^1].Timestamp);
        Assert.False(mixed.Summary.CutShort);
        for (int i = 1; i < mixed.Frames.Count; i++)
            Assert.True(mixed.Frames[i].Timestamp >= mixed.Frames[i - 1].Timestamp, $"frame {i} goes back in time");
        Assert.All(mixed.Statuses, status => Assert.Equal(DecodeStatus.Tcp, status));
        Assert.Equal(0, mixed.BadChecksums);
    }

    [Fact]
    public void Synflood_ReadsBackCleanly_AndEveryFrameIsTcp()
    {
        Generated flood = Flood.Value;
        Assert.Equal(flood.Summary.Packets, flood.Frames.Count);
        Assert.All(flood.Statuses, status => Assert.Equal(DecodeStatus.Tcp, status));
        Assert.Equal(0, flood.BadChecksums);
        for (int i = 1; i < flood.Frames.Count; i++)
            Assert.True(flood.Frames[i].Timestamp >= flood.Frames[i - 1].Timestamp, $"frame {i} goes back in time");
    }

    [Fact]
    public void Mixed_HoldsEveryIngredient_InRoughlyItsShare()
    {
        Generated mixed = Mixed.Value;
        List<ConnectionSummary> connections = mixed.Connections;
        double Share(Func<ConnectionSummary, bool> predicate) => connections.Count(predicate) / (double)connections.Count;

        Assert.InRange(connections.Count, 900, 1_200);
        Assert.All(
            ["session", "smb", "bulk", "refused", "server-abort", "client-abort", "smb-race-a", "smb-race-b", "smb-race-c",
             "smb-race-d", "smb-race-e", "smb-race-f", "smb-race-probe", "keepalive", "idle-timeout", "keepalive-failure", "port-scan"],
            scenario => Assert.True(mixed.Summary.Scenarios.GetValueOrDefault(scenario) >= 2, scenario));

        // Most connections close with FIN; a sizeable minority sees a RST; refused connects and scan probes give REJ.
        Assert.InRange(Share(c => c.ConnState == "SF"), 0.55, 0.85);
        Assert.InRange(Share(c => c.SawRst), 0.10, 0.35);
        Assert.InRange(Share(c => c.ConnState == "REJ"), 0.04, 0.20);
        Assert.Contains(connections, c => c.ConnState == "RSTO");
        Assert.Contains(connections, c => c.ConnState == "RSTR");
        Assert.Contains(connections, c => c.History == "ShR");

        // Frames: IPv6 and 802.1Q tags in their shares.
        Assert.InRange(mixed.Ipv6Frames / (double)mixed.Frames.Count, 0.05, 0.40);
        Assert.InRange(mixed.VlanFrames / (double)mixed.Frames.Count, 0.10, 0.40);
        Assert.Contains(connections, c => c.IpVersion == 6);
        Assert.Contains(connections, c => c.Vlan == 110);
        Assert.Contains(connections, c => c.Vlan == 120);

        // Retransmissions, keep-alives, and the middlebox's RSTs with its own TTL.
        Assert.Contains(connections, c => c.Originator.Retransmissions + c.Responder.Retransmissions > 0);
        Assert.Contains(connections, c => c.Originator.KeepAlives > 0);
        Assert.Contains(connections, c => c.Originator.UnansweredKeepAlives >= 5 && c.Originator.RstCount > 0);
        Assert.Contains(connections, c => c.Responder.RstCount > 0 && c.Responder.RstTtl == 254);

        // Clients use ephemeral ports from the dynamic range. Reflected SYN-ACKs that were never answered
        // (history H) have no SYN to say who the client was: the reflector may count as originator.
        Assert.All(connections.Where(c => c.History.StartsWith('S')), c => Assert.InRange(c.Originator.Port, (ushort)49152, ushort.MaxValue));
        Assert.InRange(Share(c => c.History.StartsWith('S')), 0.9, 1.0);
    }

    [Fact]
    public void Mixed_HasWindowsClientsRacing445Against139()
    {
        List<ConnectionSummary> connections = Mixed.Value.Connections;
        // A race: one client opens 445 and 139 on one server within a second.
        var pairs = connections
            .Where(c => c.Responder.Port is 445 or 139)
            .GroupBy(c => (c.Originator.Address, c.Responder.Address))
            .Count(group => group.Any(a => a.Responder.Port == 445 && group.Any(b => b.Responder.Port == 139 &&
                Math.Abs(a.StartTime - b.StartTime) < 1_000_000_000)));
        Assert.InRange(pairs, 15, 80);

        // The losers' shapes from resets.md: RST in the handshake, after it, after the NetBIOS exchange, refused.
        IEnumerable<ConnectionSummary> netbios = connections.Where(c => c.Responder.Port == 139);
        Assert.Contains(netbios, c => c.History == "ShAR" || c.History == "ShR");
        Assert.Contains(netbios, c => c.History is "ShADadR" or "ShADdR");
        Assert.Contains(netbios, c => c.ConnState == "REJ");
        // Variant E: 445 SYNs retried with no answer.
        Assert.Contains(connections, c => c.Responder.Port == 445 && c.ConnState == "S0" && c.Originator.SynCount == 3);
    }

    [Fact]
    public void Mixed_HasPortScans()
    {
        // One source to 16 or more ports of one host within a second.
        bool scanned = Mixed.Value.Connections
            .GroupBy(c => (c.Originator.Address, c.Responder.Address, Second: c.StartTime / 1_000_000_000))
            .Any(group => group.Select(c => c.Responder.Port).Distinct().Count() >= 16);
        Assert.True(scanned);
    }

    [Fact]
    public void Synflood_IsMostlySingleSynAttemptsFromManySources()
    {
        Generated flood = Flood.Value;
        List<ConnectionSummary> connections = flood.Connections;

        double singleSyn = connections.Count(c => c.Originator.Packets == 1 && c.Originator.SynCount == 1) / (double)connections.Count;
        Assert.InRange(singleSyn, 0.90, 1.0);
        double sources = connections.Select(c => c.Originator.Address).Distinct().Count() / (double)connections.Count;
        Assert.True(sources > 0.9, $"only {sources:P0} distinct sources");
        Assert.Contains(connections, c => c.ConnState == "SF");
        Assert.Contains(connections, c => c.Responder.SynCount == 3);   // SYN-ACK retransmitted twice
        Assert.True(connections.Select(c => c.Responder.Address).Distinct().Count() <= 3);
    }

    private static List<(long Timestamp, byte[] Data)> ReadAll(byte[] file)
    {
        var frames = new List<(long, byte[])>();
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(file), "generated");
        while (source.TryReadNext(out PacketRecord packet))
            frames.Add((packet.TimestampNanos, packet.Data.ToArray()));
        Assert.Empty(source.Problems);
        Assert.Null(source.StopProblem);
        return frames;
    }

    /// <summary>A generated capture read back, decoded and tracked once per test run.</summary>
    private sealed class Generated
    {
        public required CaptureGenerationSummary Summary { get; init; }
        public required List<(long Timestamp, byte[] Data)> Frames { get; init; }
        public required List<DecodeStatus> Statuses { get; init; }
        public required List<ConnectionSummary> Connections { get; init; }
        public required long Ipv6Frames { get; init; }
        public required long VlanFrames { get; init; }
        public required long BadChecksums { get; init; }

        public static Generated Make(CaptureGeneratorOptions options)
        {
            using var stream = new MemoryStream();
            CaptureGenerationSummary summary = CaptureGenerator.Write(stream, options);
            List<(long Timestamp, byte[] Data)> frames = ReadAll(stream.ToArray());

            var sink = new ConnectionList();
            var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { VerifyChecksums = true });
            var statuses = new List<DecodeStatus>(frames.Count);
            long ipv6 = 0, vlan = 0;
            foreach ((long timestamp, byte[] data) in frames)
            {
                DecodeStatus status = PacketDecoder.Decode(data, LinkTypes.Ethernet, timestamp, out TcpSegment segment);
                statuses.Add(status);
                if (status != DecodeStatus.Tcp)
                    continue;
                if (segment.IpVersion == 6)
                    ipv6++;
                if (segment.Vlan != 0)
                    vlan++;
                tracker.Process(in segment, data);
            }
            tracker.Drain();
            return new Generated
            {
                Summary = summary,
                Frames = frames,
                Statuses = statuses,
                Connections = sink.Connections,
                Ipv6Frames = ipv6,
                VlanFrames = vlan,
                BadChecksums = tracker.BadChecksumPackets,
            };
        }
    }
}
