using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class TcpConversationTests
{
    private const int Syn = (int)TcpFlags.Syn;
    private const int Ack = (int)TcpFlags.Ack;
    private const int Fin = (int)TcpFlags.Fin;
    private const int Rst = (int)TcpFlags.Rst;
    private const int Psh = (int)TcpFlags.Psh;

    private static readonly TcpConversationOptions FixedIsns = new() { ClientIsn = 1000, ServerIsn = 5000 };

    private static List<TestPacket> Packets(TrafficBuilder builder) =>
        builder.Frames.Select(f => new TestPacket(f.Data, f.LinkType)).ToList();

    [Fact]
    public void Handshake_DataFinAndAck_FollowRfc9293Arithmetic()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, FixedIsns);
        tcp.Handshake().Data(Side.Client, 100).Ack(Side.Server).Data(Side.Server, 250)
            .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);

        var p = Packets(builder);
        Assert.Equal(9, p.Count);
        Assert.Equal((Syn, 1000u, 0u), (p[0].Flags, p[0].Seq, p[0].Ack));
        Assert.Equal((Syn | Ack, 5000u, 1001u), (p[1].Flags, p[1].Seq, p[1].Ack));
        Assert.Equal((Ack, 1001u, 5001u), (p[2].Flags, p[2].Seq, p[2].Ack));
        Assert.Equal((Psh | Ack, 1001u, 5001u, 100), (p[3].Flags, p[3].Seq, p[3].Ack, p[3].Payload.Length));
        Assert.Equal((Ack, 5001u, 1101u), (p[4].Flags, p[4].Seq, p[4].Ack));
        Assert.Equal((Psh | Ack, 5001u, 1101u, 250), (p[5].Flags, p[5].Seq, p[5].Ack, p[5].Payload.Length));
        Assert.Equal((Fin | Ack, 1101u, 5251u), (p[6].Flags, p[6].Seq, p[6].Ack));
        Assert.Equal((Fin | Ack, 5251u, 1102u), (p[7].Flags, p[7].Seq, p[7].Ack));

        Assert.Equal(1102u, tcp.ClientNextSeq);
        Assert.Equal(5252u, tcp.ServerNextSeq);
        Assert.Equal((1000u, 5000u), (tcp.ClientIsn, tcp.ServerIsn));
        Assert.Equal((50000, 80), (p[0].SourcePort, p[0].DestinationPort));
        Assert.Equal((80, 50000), (p[1].SourcePort, p[1].DestinationPort));
    }

    [Fact]
    public void Rst_UsesTheSendersNextSequence_WithOrWithoutAck()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, FixedIsns);
        tcp.Handshake().Data(Side.Client, 10).Rst(Side.Client).Rst(Side.Server, withAck: true);

        var p = Packets(builder);
        TestPacket bare = p[4];
        Assert.Equal((Rst, 1011u, 0u, (ushort)0), (bare.Flags, bare.Seq, bare.Ack, bare.Window));
        Assert.Empty(bare.Options);
        TestPacket withAck = p[5];
        Assert.Equal((Rst | Ack, 5001u, 1011u, (ushort)0), (withAck.Flags, withAck.Seq, withAck.Ack, withAck.Window));
        // A RST takes no sequence space.
        Assert.Equal(1011u, tcp.ClientNextSeq);
    }

    [Fact]
    public void RefuseWithRst_IsSeqZeroAckIsnPlusOne()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 110, new TcpConversationOptions { ClientIsn = 0xFFFF_FFFF });
        tcp.Syn().RefuseWithRst();

        TestPacket rst = Packets(builder)[1];
        Assert.Equal(Rst | Ack, rst.Flags);
        Assert.Equal(0u, rst.Seq);
        Assert.Equal(0u, rst.Ack);    // ISN + 1 wraps modulo 2^32
        Assert.Equal((ushort)0, rst.Window);
        Assert.Empty(rst.Options);
        Assert.Empty(rst.Payload);
        Assert.Equal((110, 50000), (rst.SourcePort, rst.DestinationPort));
        Assert.Equal(64, rst.Ttl);
        Assert.Equal(0x8000, rst.IpId);
    }

    [Fact]
    public void RetransmitLast_RepeatsTheTcpSegment_WithANewIpId()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, FixedIsns);
        tcp.Handshake().Data(Side.Server, 40).Data(Side.Client, 5).RetransmitLast(Side.Server);

        var p = Packets(builder);
        TestPacket original = p[3];
        TestPacket again = p[5];
        Assert.Equal(original.Tcp.ToArray(), again.Tcp.ToArray());
        Assert.Equal((5001u, 40), (again.Seq, again.Payload.Length));
        Assert.Equal(original.IpId + 1, again.IpId);
        Assert.Equal(5041u, tcp.ServerNextSeq);
        Assert.Throws<InvalidOperationException>(() => builder.Tcp("10.0.0.1", 1, "10.0.0.2", 2).RetransmitLast(Side.Client));
    }

    [Fact]
    public void RetransmittedSyn_KeepsTheIsn()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, FixedIsns).Syn().RetransmitLast(Side.Client).SynAck();

        var p = Packets(builder);
        Assert.Equal((Syn, 1000u), (p[1].Flags, p[1].Seq));
        Assert.Equal(1001u, p[2].Ack);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public void KeepAlive_SitsOneBelowSndNxt(bool garbageByte, int expectedLength)
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80,
            new TcpConversationOptions { ClientIsn = 1000, ServerIsn = 5000, KeepAliveWithGarbageByte = garbageByte });
        tcp.Handshake().Data(Side.Client, 20).KeepAlive(Side.Client);

        TestPacket probe = Packets(builder)[^1];
        Assert.Equal((Ack, 1020u, 5001u), (probe.Flags, probe.Seq, probe.Ack));
        Assert.Equal(expectedLength, probe.Payload.Length);
        Assert.All(probe.Payload, b => Assert.Equal(0, b));
        Assert.Equal(1021u, tcp.ClientNextSeq);
    }

    [Fact]
    public void Send_ExplicitValuesOverrideAndDoNotAdvance()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, FixedIsns);
        tcp.Handshake();
        tcp.Send(Side.Server, TcpFlags.Rst, default, seq: 123_456, ttl: 250, ipId: 0x4242, window: 77);
        tcp.Send(Side.Server, TcpFlags.Psh | TcpFlags.Ack, [1, 2, 3], ack: 42);
        tcp.Send(Side.Client, TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Urg, [9]);

        var p = Packets(builder);
        TestPacket forged = p[3];
        Assert.Equal((Rst, 123_456u, 0u, (ushort)77), (forged.Flags, forged.Seq, forged.Ack, forged.Window));
        Assert.Equal((250, 0x4242), (forged.Ttl, forged.IpId));
        TestPacket data = p[4];
        Assert.Equal((5001u, 42u), (data.Seq, data.Ack));
        // The forged packet's IP id did not consume the server's counter (SYN-ACK used 0x8000).
        Assert.Equal(0x8001, data.IpId);
        Assert.Equal(5004u, tcp.ServerNextSeq);
        // Payload 1 plus FIN 1.
        Assert.Equal(1003u, tcp.ClientNextSeq);
        Assert.Equal(Fin | Ack | (int)TcpFlags.Urg, p[5].Flags);
    }

    [Fact]
    public void Data_FillerFollowsTheStreamOffset()
    {
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80);
        tcp.Handshake().Data(Side.Client, 3).Data(Side.Client, 28);

        var p = Packets(builder);
        Assert.Equal("abc"u8.ToArray(), p[3].Payload);
        Assert.Equal("defghijklmnopqrstuvwxyzabcde"u8.ToArray(), p[4].Payload);
    }

    [Fact]
    public void DefaultSynOptions_LookLikeLinux()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80).Syn().SynAck().Ack();

        var p = Packets(builder);
        byte[] syn = p[0].Options;
        Assert.Equal(20, syn.Length);
        Assert.Equal(new byte[] { 2, 4, 0x05, 0xB4, 4, 2, 8, 10 }, syn[..8]);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 1, 3, 3, 7 }, syn[12..]);   // TSecr 0, NOP, WS 7
        Assert.Equal((ushort)64240, p[0].Window);

        (uint synValue, uint synEcho) = p[0].Timestamps!.Value;
        Assert.Equal(0u, synEcho);
        (uint synAckValue, uint synAckEcho) = p[1].Timestamps!.Value;
        Assert.Equal(synValue, synAckEcho);
        Assert.Equal((ushort)65160, p[1].Window);

        // After the handshake: NOP, NOP, TS only, and the window shifted by 7 (RFC 7323 §2.2).
        Assert.Equal(12, p[2].Options.Length);
        Assert.Equal(new byte[] { 1, 1, 8, 10 }, p[2].Options[..4]);
        Assert.Equal(synAckValue, p[2].Timestamps!.Value.Echo);
        // 2 ms of builder time later, at one tick per millisecond.
        Assert.Equal(synValue + 2, p[2].Timestamps!.Value.Value);
        Assert.Equal((ushort)(64240 >> 7), p[2].Window);
    }

    [Fact]
    public void WindowsLikeOptions_WithoutTimestamps()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 445, new TcpConversationOptions { Timestamps = false, WindowScale = 8 })
            .Handshake().Data(Side.Client, 4);

        var p = Packets(builder);
        Assert.Equal(new byte[] { 2, 4, 0x05, 0xB4, 1, 3, 3, 8, 1, 1, 4, 2 }, p[0].Options);
        Assert.Equal(p[0].Options, p[1].Options);
        Assert.Empty(p[2].Options);
        Assert.Null(p[3].Timestamps);
        Assert.Equal((ushort)(64240 >> 8), p[3].Window);
    }

    [Fact]
    public void NoWindowScale_NoSack_LeavesWindowsUnscaled()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80,
                new TcpConversationOptions { WindowScale = null, SackPermitted = false, Timestamps = false, Mss = 536, ClientWindow = 8192 })
            .Handshake();

        var p = Packets(builder);
        Assert.Equal(new byte[] { 2, 4, 0x02, 0x18 }, p[0].Options);
        Assert.Equal((ushort)8192, p[2].Window);
    }

    [Fact]
    public void IpFields_FollowTheOptions()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80,
                new TcpConversationOptions { ClientTtl = 100, ServerTtl = 255, ClientIpId = 0xFFFF, ServerIpId = 7 })
            .Handshake().Data(Side.Client, 1);

        var p = Packets(builder);
        Assert.Equal((100, 0xFFFF), (p[0].Ttl, p[0].IpId));
        Assert.Equal((255, 7), (p[1].Ttl, p[1].IpId));
        Assert.Equal((100, 0x0000), (p[2].Ttl, p[2].IpId));   // wraps
        Assert.Equal(1, p[3].IpId);
        Assert.Equal(0x45, p[0].Ip[0]);
        Assert.Equal(0x40, p[0].Ip[6]);                       // DF, offset 0
        Assert.Equal(6, p[0].Ip[9]);
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, p[0].SourceAddress.ToArray());
        Assert.Equal(20 + 32 + 1, p[3].Ip.Length);
    }

    [Fact]
    public void IPv6Header_HasPayloadLengthNextHeaderAndHopLimit()
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Raw);
        builder.Tcp("2001:db8::1", 50000, "2001:db8::2", 443, new TcpConversationOptions { ClientTtl = 57 }).Syn();

        byte[] frame = builder.Frames[0].Data;
        Assert.Equal(new byte[] { 0x60, 0, 0, 0, 0, 40, 6, 57 }, frame[..8]);
        Assert.Equal(0x20, frame[8]);
        Assert.Equal(0x02, frame[39]);
        Assert.Equal(80, frame.Length);
    }

    [Fact]
    public void Clock_AdvancesByGapPerPacketAndByWait()
    {
        var builder = new TrafficBuilder(startNanos: 1_000_000_000);
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, new TcpConversationOptions { Gap = TimeSpan.FromMicroseconds(250) })
            .Syn().Wait(TimeSpan.FromSeconds(2)).SynAck();
        builder.Advance(TimeSpan.FromTicks(3));

        Assert.Equal(1_000_000_000, builder.Frames[0].TimestampNanos);
        Assert.Equal(3_000_250_000, builder.Frames[1].TimestampNanos);
        Assert.Equal(3_000_500_300, builder.Now);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void DefaultIsns_AreDeterministicPerTuple()
    {
        uint Isn(string client, ushort port) => new TrafficBuilder().Tcp(client, port, "10.0.0.2", 80).ClientIsn;

        Assert.Equal(Isn("10.0.0.1", 50000), Isn("10.0.0.1", 50000));
        Assert.NotEqual(Isn("10.0.0.1", 50000), Isn("10.0.0.1", 50001));
        TcpConversation tcp = new TrafficBuilder().Tcp("10.0.0.1", 50000, "10.0.0.2", 80);
        Assert.NotEqual(tcp.ClientIsn, tcp.ServerIsn);
        Assert.Equal(tcp.ClientIsn, tcp.ClientNextSeq);
    }

    [Fact]
    public void Tcp_RejectsMismatchedOrBadInput()
    {
        var builder = new TrafficBuilder();
        Assert.Throws<ArgumentException>(() => builder.Tcp("10.0.0.1", 1, "2001:db8::1", 2));
        Assert.Throws<FormatException>(() => builder.Tcp("not an address", 1, "10.0.0.2", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Tcp("10.0.0.1", 1, "10.0.0.2", 2, new TcpConversationOptions { WindowScale = 15 }));
        Assert.Throws<ArgumentException>(() => builder.Tcp("10.0.0.1", 1, "10.0.0.2", 2, new TcpConversationOptions { InnerVlan = 5 }));
        Assert.Throws<ArgumentException>(() => new TrafficBuilder(linkType: LinkTypes.Raw).Tcp("10.0.0.1", 1, "10.0.0.2", 2, new TcpConversationOptions { Vlan = 5 }));
        Assert.Throws<NotSupportedException>(() => new TrafficBuilder(linkType: LinkTypes.Ppp));
    }

    [Fact]
    public void Options_AreCopiedWhenTheConversationStarts()
    {
        var options = new TcpConversationOptions { ClientTtl = 1 };
        var builder = new TrafficBuilder();
        TcpConversation tcp = builder.Tcp("10.0.0.1", 1, "10.0.0.2", 2, options);
        options.ClientTtl = 99;
        tcp.Syn();
        Assert.Equal(1, new TestPacket(builder.Frames[0].Data, LinkTypes.Ethernet).Ttl);
    }
}
