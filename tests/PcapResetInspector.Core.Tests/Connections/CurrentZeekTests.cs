using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;
using static PcapResetInspector.Core.Tests.Decoding.TunnelPacketBuilder;
using static PcapResetInspector.Core.Tests.Connections.ConnectionTestHarness;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>
/// Behaviours of current Zeek (9.1.0-dev) that its btest baselines show and older Zeek (and this tracker) did
/// not have: content gaps for payloads the capture cut off, and packet counts across a flip on the second packet.
/// </summary>
public class CurrentZeekTests
{
    private const string Client = "10.0.0.1";
    private const string Server = "10.0.0.2";
    private const byte GreProtocol = 47;
    private const int EthernetHeader = 14;

    /// <summary>The frames cut after their TCP header, as a capture with a small snapshot length keeps them.</summary>
    private static TrafficBuilder HeadersOnly(TrafficBuilder built)
    {
        var cut = new TrafficBuilder();
        foreach (BuiltFrame frame in built.Frames)
            cut.AddRawFrame(frame.TimestampNanos, frame.Data[..HeadersEnd(frame.Data)]);
        return cut;
    }

    /// <summary>Where the TCP payload of an Ethernet + IPv4 frame starts.</summary>
    private static int HeadersEnd(byte[] frame)
    {
        int ipHeader = (frame[EthernetHeader] & 0x0F) * 4;
        int tcpHeader = (frame[EthernetHeader + ipHeader + 12] >> 4) * 4;
        return EthernetHeader + ipHeader + tcpHeader;
    }

    [Fact]
    public void SnaplenTruncatedPayloads_AreContentGaps_ShADaGdgtR()
    {
        // core.tcp.rxmit-history (retransmit-fast009.pcap, payloads not captured): Zeek gives ShADaGdgtR with
        // missed_bytes equal to everything either side sent. TCP_Endpoint::DataSent only hands a segment to the
        // reassembler when caplen >= len, so each ack covering the cut-off data reports it as a gap.
        var b = new TrafficBuilder();
        var conv = b.Tcp(Client, 50368, Server, 80).Handshake().Data(Side.Client, 474).Ack(Side.Server);
        conv.Data(Side.Server, 1000).Data(Side.Server, 1000).Ack(Side.Client).RetransmitLast(Side.Server).Rst(Side.Client);

        var c = Single(HeadersOnly(b));

        Assert.Equal("ShADaGdgtR", c.History);
        Assert.Equal("RSTO", c.ConnState);
        Assert.Equal(474UL + 2000UL, c.MissedBytes);
        // The same traffic captured whole has no gaps.
        Assert.Equal(("ShADadtR", 0UL), (Single(b).History, Single(b).MissedBytes));
    }

    [Fact]
    public void TunnelledSegmentCutByOuterFragmentation_IsNoContentGap()
    {
        // Zeek reassembles a fragmented tunnel packet before TCP sees it (core.tunnels.gtp.outer_ip_frag:
        // no gap where the rest of the packet arrived). Here the first fragment stands for the whole packet:
        // its short payload is not a snaplen cut, so the server's ack reveals nothing missing.
        var plain = new TrafficBuilder();
        plain.Tcp(Client, 40100, Server, 80).Handshake().Data(Side.Client, 100).Ack(Side.Server);
        var tunnelled = new TrafficBuilder();
        foreach (BuiltFrame frame in plain.Frames)
        {
            byte[] inner = frame.Data[EthernetHeader..];
            bool carriesData = frame.Data.Length > HeadersEnd(frame.Data);
            byte[] outer = carriesData
                ? OuterIpv4(GreProtocol, Gre(0x0800, inner[..^40]), moreFragments: true) // the last 40 bytes follow in a fragment not shown
                : OuterIpv4(GreProtocol, Gre(0x0800, inner));
            tunnelled.AddRawFrame(frame.TimestampNanos, [.. frame.Data[..EthernetHeader], .. outer]);
        }

        var c = Single(tunnelled);

        Assert.Equal("ShADa", c.History);
        Assert.Equal(0UL, c.MissedBytes);
    }

    [Fact]
    public void BadIpv4HeaderChecksum_DropsThePacketBeforeAnyConnection()
    {
        // scripts.base.frameworks.logging.field-name-map2 (auth_change_session_keys.pcap, zeek without -C): every
        // server packet has a bad IPv4 header checksum; IPAnalyzer::AnalyzePacket drops them before the TCP
        // analyzer, so Zeek logs "SAD" S0 with no server packet and no c (a bad TCP checksum would add c).
        var b = new TrafficBuilder();
        var conv = b.Tcp(Client, 49159, Server, 20000).Syn().SynAck();
        CorruptLastIpHeaderChecksum(b);
        conv.Ack(Side.Client).Data(Side.Client, 21).Data(Side.Server, 40);
        CorruptLastIpHeaderChecksum(b);
        conv.Data(Side.Client, 99);

        var checkedTracker = new ConnectionTrackerOptions { VerifyChecksums = true };
        var c = Single(b, checkedTracker);

        Assert.Equal(("SAD", "S0"), (c.History, c.ConnState));
        Assert.Equal((4UL, 0UL), (c.Originator.Packets, c.Responder.Packets));
        Assert.Equal(("ShADd", "S1"), (Single(b).History, Single(b).ConnState)); // like zeek -C

        // core.checksums (ip4-bad-chksum.pcap): a lone such packet leaves no connection at all.
        var lone = new TrafficBuilder();
        lone.Tcp(Client, 30000, Server, 80).Syn();
        CorruptLastIpHeaderChecksum(lone);
        Assert.Empty(Track(lone, checkedTracker));
    }

    private static void CorruptLastIpHeaderChecksum(TrafficBuilder builder) => builder.Frames[^1].Data[EthernetHeader + 10] ^= 0x5A;

    [Fact]
    public void FlipOnTheSecondPacket_CountsThatPacketForItsSender()
    {
        // core.tcp.flip-without-syn and core.conn-size-flip (Zeek commit 3f02ed368a): when "H" + the client's ACK
        // flips the connection, ConnSize sees that ACK with the updated is_orig, so it counts for the client,
        // now the originator (the baselines moved from 5/8 to 6/7 packets and from 9/7 to 8/8).
        var b = new TrafficBuilder();
        b.Tcp(Client, 6669, Server, 80).SynAck().Ack(Side.Client).Data(Side.Client, 10).Ack(Side.Server)
            .Data(Side.Server, 10).Ack(Side.Client).Fin(Side.Client).Fin(Side.Server);

        var c = Single(b);

        Assert.Equal("^hADadFf", c.History);
        Assert.Equal((ushort)6669, c.Originator.Port);
        Assert.Equal((4UL, 4UL), (c.Originator.Packets, c.Responder.Packets));
        Assert.Equal(c.Originator.PacketsSent, c.Originator.Packets);
    }

    [Fact]
    public void SynAfterItsSynAck_CountsTheSynForTheClient()
    {
        // core.connection_flipped (bare mode): the client's SYN flips the roles inside the state machine
        // (Hs^...); like any flip during a packet, the packet counts for its sender's new role.
        var b = new TrafficBuilder();
        var conv = b.Tcp(Client, 59856, Server, 80);
        conv.Send(Side.Server, TcpFlags.Syn | TcpFlags.Ack, default, seq: conv.ServerIsn, ack: conv.ClientIsn + 1);
        conv.Send(Side.Client, TcpFlags.Syn, default, seq: conv.ClientIsn);
        conv.Send(Side.Client, TcpFlags.Ack, default, seq: conv.ClientIsn + 1, ack: conv.ServerIsn + 1);
        conv.Send(Side.Server, TcpFlags.Fin | TcpFlags.Ack, default, seq: conv.ServerIsn + 1, ack: conv.ClientIsn + 1);

        var c = Single(b, Bare);

        Assert.Equal("Hs^Af", c.History);
        Assert.Equal((ushort)59856, c.Originator.Port);
        Assert.Equal((2UL, 2UL), (c.Originator.Packets, c.Responder.Packets));
    }
}
