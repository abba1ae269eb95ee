using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;
using PcapResetInspector.Core.Tests.Connections;

namespace PcapResetInspector.Core.Tests.Export;

public class FlaggedPacketExtractorTests
{
    private static List<(long Time, int Length)> Extract(byte[] capture, IEnumerable<ConnectionSummary> wanted, bool preferPcapNg, out bool wasPcapNg,
        int maxRemembered = FlaggedPacketExtractor.DefaultMaxRemembered)
    {
        var extractor = new FlaggedPacketExtractor(includeVlan: false, maxRemembered);
        foreach (ConnectionSummary c in wanted)
            extractor.Remember(c);
        var output = new MemoryStream();
        using (var capture2 = new FlaggedCaptureOutput(output, [LinkTypes.Ethernet], preferPcapNg))
        {
            using CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture), "memory");
            extractor.Extract(source, capture2);
            capture2.Flush();
            wasPcapNg = capture2.IsPcapNg;
        }
        var packets = new List<(long, int)>();
        using CaptureFileSource written = CaptureFile.Open(new MemoryStream(output.ToArray()), "written");
        while (written.TryReadNext(out PacketRecord packet))
            packets.Add((packet.TimestampNanos, packet.OriginalLength));
        Assert.Null(written.StopProblem);
        Assert.Equal(extractor.PacketsWritten, packets.Count);
        return packets;
    }

    [Fact]
    public void RstsAfterBothFins_AreInTheExtract()
    {
        // Zeek's last_time stops at the second FIN; the RSTs that answer late packets after it belong to the connection.
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.1", 40000, "10.0.0.2", 80).Handshake().Data(Side.Client, 100).Data(Side.Server, 200)
            .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(50))
            .Rst(Side.Server).Rst(Side.Server).Rst(Side.Server);
        byte[] capture = b.ToPcapBytes();
        ConnectionSummary connection = Assert.Single(ConnectionTestHarness.Track(capture));
        var packets = Extract(capture, [connection], preferPcapNg: false, out _);
        Assert.Equal(b.Frames.Count, packets.Count);
    }

    [Fact]
    public void RstsAfterTheFinExchange_StampedAfterTheLastPacketInFileOrder_AreInTheExtract()
    {
        // Issue 21: a capture whose clock goes backwards (two interfaces or queues, merged files). The last ACKs
        // come last in the file but are stamped before the RSTs; a time span ending at the last packet's time
        // left every RST after the FIN exchange (history ...Ffrrrr) out of the extract.
        var b = new TrafficBuilder();
        TcpConversation conversation = b.Tcp("10.0.0.1", 40000, "10.0.0.2", 445).Handshake().Data(Side.Client, 100).Data(Side.Server, 200)
            .Fin(Side.Client).Fin(Side.Server);
        int closed = b.Frames.Count;
        conversation.Ack(Side.Client).Ack(Side.Server);
        long lateAcks = b.Frames[closed].TimestampNanos;
        for (int i = 0; i < 10; i++)
        {
            conversation.Wait(TimeSpan.FromMilliseconds(10)).Data(Side.Client, 10);
            conversation.Send(Side.Server, TcpFlags.Rst, default, seq: conversation.ServerNextSeq + (uint)i);
        }
        var reordered = new TrafficBuilder();
        foreach (BuiltFrame frame in b.Frames.Take(closed).Concat(b.Frames.Skip(closed + 2)).Concat(b.Frames.Skip(closed).Take(2)))
            reordered.AddRawFrame(frame.TimestampNanos, frame.Data);
        byte[] capture = reordered.ToPcapBytes();

        ConnectionSummary connection = Assert.Single(ConnectionTestHarness.Track(capture));
        Assert.Matches("Ff.*rrrr", connection.History);
        Assert.True(lateAcks < b.Frames[^1].TimestampNanos);
        var packets = Extract(capture, [connection], preferPcapNg: false, out _);
        Assert.Equal(reordered.Frames.Select(f => f.TimestampNanos), packets.Select(p => p.Time)); // all of them, in file order
    }

    [Fact]
    public void RemembersAtMostItsBound_AndCountsTheRest()
    {
        byte[] capture = SampleCaptures.Refused().ToPcapBytes();
        var refused = ConnectionTestHarness.Track(capture).Where(c => c.ConnState == "REJ").ToList();
        var extractor = new FlaggedPacketExtractor(includeVlan: false, maxRemembered: 2);
        foreach (ConnectionSummary c in refused)
            extractor.Remember(c);
        Assert.Equal((2, 1L), (extractor.ConnectionsRemembered, extractor.ConnectionsNotRemembered));

        var packets = Extract(capture, refused, preferPcapNg: false, out _, maxRemembered: 2);
        ulong expected = refused.Take(2).Aggregate(0UL, (sum, c) => sum + c.Originator.Packets + c.Responder.Packets);
        Assert.Equal((int)expected, packets.Count);
    }

    [Fact]
    public void WritesEveryPacketOfTheRememberedConnections_AndNoOther()
    {
        byte[] capture = SampleCaptures.Refused().ToPcapBytes();
        List<ConnectionSummary> connections = ConnectionTestHarness.Track(capture);
        var refused = connections.Where(c => c.ConnState == "REJ").ToList();
        Assert.Equal(3, refused.Count);

        var packets = Extract(capture, refused, preferPcapNg: false, out bool pcapNg);
        Assert.False(pcapNg);
        ulong expected = refused.Aggregate(0UL, (sum, c) => sum + c.Originator.Packets + c.Responder.Packets);
        Assert.Equal((int)expected, packets.Count);
        Assert.All(packets, p => Assert.Contains(refused, c => p.Time >= c.StartTime && p.Time <= c.LastTime));
    }

    [Fact]
    public void PortReuse_KeepsOnlyTheRememberedConnectionOfTheTuple()
    {
        // The three refused attempts share one 5-tuple: remembering one must not pull in the others.
        byte[] capture = SampleCaptures.Refused().ToPcapBytes();
        var second = ConnectionTestHarness.Track(capture).Where(c => c.ConnState == "REJ").OrderBy(c => c.StartTime).ElementAt(1);
        var packets = Extract(capture, [second], preferPcapNg: true, out bool pcapNg);
        Assert.True(pcapNg);
        Assert.Equal(2, packets.Count);
        Assert.All(packets, p => Assert.InRange(p.Time, second.StartTime, second.LastTime));
    }

    [Fact]
    public void NothingRemembered_StillLeavesAValidEmptyCapture()
    {
        byte[] capture = SampleCaptures.NormalSession().ToPcapBytes();
        Assert.Empty(Extract(capture, [], preferPcapNg: false, out _));
        Assert.Empty(Extract(capture, [], preferPcapNg: true, out _));
    }
}
