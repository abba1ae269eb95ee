using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.LibPcap.Tests;

public class FilteredPacketSourceTests
{
    /// <summary>LINKTYPE_USER0: a valid link type for which libpcap generates no code.</summary>
    private const int UserLinkType = 147;

    /// <summary>Three conversations interleaved: a refused SMB connect, HTTP, and SMB over IPv6 reset by the client.</summary>
    private static TrafficBuilder Conversations(int linkType)
    {
        var builder = new TrafficBuilder(linkType: linkType);
        TcpConversation refused = builder.Tcp("10.0.0.1", 50_001, "10.0.0.2", 445);
        TcpConversation http = builder.Tcp("10.0.0.1", 50_002, "10.0.0.3", 80);
        TcpConversation smb6 = builder.Tcp("2001:db8::1", 50_003, "2001:db8::2", 445);
        refused.Syn();
        http.Syn().SynAck();
        refused.RefuseWithRst();
        http.Ack().Data(Side.Client, 100).Data(Side.Server, 500);
        smb6.Handshake().Data(Side.Client, 72).Rst(Side.Client, withAck: true);
        http.Fin(Side.Client).Fin(Side.Server).Ack();
        return builder;
    }

    private static bool IsSmb(byte[] frame, int linkType) =>
        PacketDecoder.Decode(frame, linkType, 0, out TcpSegment segment) == DecodeStatus.Tcp
        && (segment.SourcePort == 445 || segment.DestinationPort == 445);

    private static List<byte[]> ReadAll(IPacketSource source)
    {
        var frames = new List<byte[]>();
        while (source.TryReadNext(out PacketRecord packet))
            frames.Add(packet.Data.ToArray());
        return frames;
    }

    [LibPcapTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void YieldsExactlyTheMatchingPacketsInOrder(bool pcapNg)
    {
        TrafficBuilder builder = Conversations(LinkTypes.Ethernet);
        byte[] file = pcapNg ? builder.ToPcapNgBytes() : builder.ToPcapBytes();
        List<byte[]> expected = builder.Frames.Select(f => f.Data).Where(data => IsSmb(data, LinkTypes.Ethernet)).ToList();
        Assert.InRange(expected.Count, 5, builder.Frames.Count - 5);   // the script has both kinds

        using var filtered = new FilteredPacketSource(CaptureFile.Open(new MemoryStream(file), "smb.pcap"), "tcp port 445");
        List<byte[]> actual = ReadAll(filtered);

        Assert.Equal(expected, actual);
        Assert.Equal(expected.Count, filtered.PacketsMatched);
        Assert.Equal(builder.Frames.Count - expected.Count, filtered.PacketsRejected);
        Assert.Equal(builder.Frames.Count, filtered.PacketsRead);
        Assert.Equal("smb.pcap", filtered.Name);
        Assert.Null(filtered.StopProblem);
        Assert.Empty(filtered.Problems);
    }

    [LibPcapFact]
    public void RstFilter_KeepsOnlyTheResets()
    {
        TrafficBuilder builder = Conversations(LinkTypes.Ethernet);
        using var filtered = new FilteredPacketSource(CaptureFile.Open(new MemoryStream(builder.ToPcapBytes()), "x"), "tcp[tcpflags] & tcp-rst != 0");
        int resets = 0;
        while (filtered.TryReadNext(out PacketRecord packet))
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(packet, out TcpSegment segment));
            Assert.True(segment.Has(TcpFlags.Rst));
            resets++;
        }

        // tcp[] reaches only IPv4 (pcap-filter(7)): the IPv6 reset is rejected, the refused connect's is kept.
        Assert.Equal(1, resets);
    }

    [LibPcapFact]
    public void MixedLinkTypes_EachGetsItsOwnProgram_AndAnUnfilterableOneIsRejectedWithOneWarning()
    {
        TrafficBuilder ethernet = Conversations(LinkTypes.Ethernet);
        TrafficBuilder raw = Conversations(LinkTypes.Raw);
        byte[] file;
        using (var stream = new MemoryStream())
        {
            using (var writer = new PcapNgWriter(stream, leaveOpen: true))
            {
                int ethernetInterface = writer.AddInterface(LinkTypes.Ethernet, tsResolution: 9);
                int rawInterface = writer.AddInterface(LinkTypes.Raw, tsResolution: 9);
                int userInterface = writer.AddInterface(UserLinkType, tsResolution: 9);
                for (int i = 0; i < ethernet.Frames.Count; i++)
                {
                    BuiltFrame e = ethernet.Frames[i];
                    BuiltFrame r = raw.Frames[i];
                    writer.WritePacket(ethernetInterface, e.TimestampNanos, e.Data, e.Data.Length);
                    writer.WritePacket(rawInterface, r.TimestampNanos, r.Data, r.Data.Length);
                    writer.WritePacket(userInterface, r.TimestampNanos, r.Data, r.Data.Length);
                }
            }

            file = stream.ToArray();
        }

        using var filtered = new FilteredPacketSource(CaptureFile.Open(new MemoryStream(file), "mixed.pcapng"), "tcp port 445");
        int ethernetMatches = 0, rawMatches = 0;
        while (filtered.TryReadNext(out PacketRecord packet))
        {
            Assert.True(IsSmb(packet.Data.ToArray(), packet.LinkType));
            if (packet.LinkType == LinkTypes.Ethernet)
                ethernetMatches++;
            else if (packet.LinkType == LinkTypes.Raw)
                rawMatches++;
            else
                Assert.Fail("a frame of link type " + packet.LinkType + " passed a filter that cannot apply to it");
        }

        int smbPerLinkType = ethernet.Frames.Count(f => IsSmb(f.Data, LinkTypes.Ethernet));
        Assert.Equal(smbPerLinkType, ethernetMatches);
        Assert.Equal(smbPerLinkType, rawMatches);
        Assert.Equal(3L * ethernet.Frames.Count, filtered.PacketsRead);
        Assert.Equal(3L * ethernet.Frames.Count - 2 * smbPerLinkType, filtered.PacketsRejected);

        CaptureProblem warning = Assert.Single(filtered.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        Assert.Equal(CaptureProblemKind.CaptureSetup, warning.Kind);
        Assert.Equal("mixed.pcapng", warning.Source);
        Assert.Contains("LINKTYPE_147", warning.Message, StringComparison.Ordinal);
        Assert.Contains("not implemented", warning.Message, StringComparison.Ordinal);   // libpcap's own words
    }

    [LibPcapFact]
    public void BadExpression_FailsInTheConstructorBeforeAnythingIsRead()
    {
        var inner = CaptureFile.Open(new MemoryStream(Conversations(LinkTypes.Ethernet).ToPcapBytes()), "x");
        using (inner)
        {
            var exception = Assert.Throws<BpfFilterException>(() => new FilteredPacketSource(inner, "tcp port 99999"));
            Assert.Contains("99999", exception.LibPcapMessage, StringComparison.Ordinal);
            Assert.Equal(0, inner.PacketsRead);
            Assert.True(inner.TryReadNext(out _));   // the caller still owns an unread source
        }
    }

    [LibPcapFact]
    public void ValidationLinkType_DecidesWhatTheConstructorChecks()
    {
        // "vlan" means nothing on raw IP: checked against Ethernet it passes, against raw IP it throws.
        using var inner = CaptureFile.Open(new MemoryStream(Conversations(LinkTypes.Raw).ToPcapBytes()), "raw.pcap");
        var exception = Assert.Throws<BpfFilterException>(() => new FilteredPacketSource(inner, "vlan", LinkTypes.Raw));
        Assert.Contains("VLAN", exception.LibPcapMessage, StringComparison.Ordinal);

        using var filtered = new FilteredPacketSource(inner, "vlan");
        Assert.Empty(ReadAll(filtered));
        Assert.Single(filtered.Problems);
        Assert.Equal(filtered.PacketsRead, filtered.PacketsRejected);
    }

    [LibPcapFact]
    public void InnerProblemsComeFirst_AndStopProblemPassesThrough()
    {
        byte[] file = Conversations(LinkTypes.Raw).ToPcapBytes();
        byte[] cut = file.AsSpan(0, file.Length - 7).ToArray();   // killed mid-write: the last record is cut
        using var filtered = new FilteredPacketSource(CaptureFile.Open(new MemoryStream(cut), "cut.pcap"), "vlan");
        Assert.Empty(ReadAll(filtered));

        Assert.NotNull(filtered.StopProblem);
        Assert.Equal(CaptureProblemKind.TruncatedRecord, filtered.StopProblem.Kind);
        Assert.Equal(2, filtered.Problems.Count);
        Assert.Same(filtered.StopProblem, filtered.Problems[0]);
        Assert.Equal(CaptureProblemKind.CaptureSetup, filtered.Problems[1].Kind);
        Assert.Equal(filtered.Problems, filtered.Problems.ToList());
    }

    [LibPcapFact]
    public void ReadingAllocatesNothingPerPacketInSteadyState()
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Ethernet);
        for (int i = 0; i < 200; i++)
            builder.Tcp("10.0.0.1", (ushort)(40_000 + i), "10.0.0.2", (ushort)(i % 2 == 0 ? 445 : 80)).Handshake().Rst(Side.Client);
        byte[] file = builder.ToPcapBytes();

        using var filtered = new FilteredPacketSource(CaptureFile.Open(new MemoryStream(file), "x"), "tcp port 445");
        for (int i = 0; i < 100; i++)
            Assert.True(filtered.TryReadNext(out _));   // warm-up, and the reader's buffer reaches its size

        // 400 frames match; five attempts of 50 stay within them.
        long allocated = SteadyStateAllocation.SmallestOf(5, () =>
        {
            for (int i = 0; i < 50; i++)
                Assert.True(filtered.TryReadNext(out _));
        });
        Assert.Equal(0, allocated);
    }
}
