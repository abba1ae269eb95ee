using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;
using static PcapResetInspector.Core.Tests.Connections.ConnectionTestHarness;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The evidence fields the connection tracker fills for the diagnosis: the endpoint before its RST, SND.NXT, unanswered keep-alives.</summary>
public class EvidenceFieldTests
{
    [Fact]
    public void BeforeRstFields_DescribeThePacketsBeforeTheFirstRst_NotTheRst()
    {
        var b = new TrafficBuilder();
        var conv = b.Tcp("10.0.0.1", 40000, "10.0.0.2", 80, new TcpConversationOptions { ServerTtl = 64, ServerIpId = 0x2000 })
            .Handshake().Data(Side.Client, 100).Ack(Side.Server);
        conv.Send(Side.Server, TcpFlags.Ack | TcpFlags.Psh, new byte[10], ttl: 62);
        conv.Send(Side.Server, TcpFlags.Rst, default, ttl: 47, ipId: 0x7777);
        conv.Data(Side.Server, 5); // the "sender" carries on after its RST
        ConnectionSummary c = Single(b);

        EndpointSummary server = c.Responder;
        Assert.Equal(62, server.TtlMinBeforeRst);
        Assert.Equal(64, server.TtlMaxBeforeRst);
        Assert.Equal(47, server.RstTtl);
        Assert.Equal(47, server.TtlMin); // the overall range includes the RST
        Assert.Equal((ushort)0x2002, server.IpIdBeforeRst); // SYN-ACK 0x2000, ACK 0x2001, data 0x2002
        Assert.Equal(conv.ServerNextSeq, server.NextSeq);
        Assert.Equal(conv.ClientNextSeq, c.Originator.NextSeq);
    }

    [Fact]
    public void BeforeRstFields_AreZero_WhenTheRstIsTheFirstPacket()
    {
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.1", 40001, "10.0.0.2", 80).Syn().RefuseWithRst();
        ConnectionSummary c = Single(b);
        Assert.Equal(0, c.Responder.TtlMinBeforeRst);
        Assert.Equal(0, c.Responder.TtlMaxBeforeRst);
        Assert.Equal(128, c.Originator.TtlMinBeforeRst); // the builder's default client TTL
    }

    [Fact]
    public void UnansweredKeepAlives_CountOnlyProbesAfterThePeersLastPacket()
    {
        var b = new TrafficBuilder();
        var conv = b.Tcp("10.0.0.1", 40002, "10.0.0.2", 80).Handshake().Data(Side.Client, 10).Ack(Side.Server);
        conv.Wait(TimeSpan.FromSeconds(60)).KeepAlive(Side.Client).Ack(Side.Server); // answered
        for (int i = 0; i < 3; i++)
            conv.Wait(TimeSpan.FromSeconds(10)).KeepAlive(Side.Client);
        ConnectionSummary c = Single(b);
        Assert.Equal(4, c.Originator.KeepAlives);
        Assert.Equal(3, c.Originator.UnansweredKeepAlives);
        Assert.Equal(0, c.Responder.UnansweredKeepAlives);
    }
}
