using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class LinkLayerTests
{
    private static byte[] Mac(byte a, byte b, byte c, byte d) => [0x02, 0x00, a, b, c, d];

    /// <summary>Client SYN then server SYN-ACK on the given link type.</summary>
    private static (byte[] FromClient, byte[] FromServer) TwoFrames(int linkType, string client = "10.0.0.1", string server = "10.0.0.2", TcpConversationOptions? options = null)
    {
        var builder = new TrafficBuilder(linkType: linkType);
        builder.Tcp(client, 50000, server, 80, options).Syn().SynAck();
        Assert.All(builder.Frames, f => Assert.Equal(linkType, f.LinkType));
        return (builder.Frames[0].Data, builder.Frames[1].Data);
    }

    [Fact]
    public void Ethernet_Untagged()
    {
        (byte[] syn, byte[] synAck) = TwoFrames(LinkTypes.Ethernet);
        Assert.Equal(Mac(10, 0, 0, 2), syn[0..6]);
        Assert.Equal(Mac(10, 0, 0, 1), syn[6..12]);
        Assert.Equal(new byte[] { 0x08, 0x00 }, syn[12..14]);
        Assert.Equal(0x45, syn[14]);
        Assert.Equal(Mac(10, 0, 0, 1), synAck[0..6]);
        Assert.Equal(14 + 20 + 40, syn.Length);
    }

    [Fact]
    public void Ethernet_IPv6_UsesEtherType86DD()
    {
        (byte[] syn, _) = TwoFrames(LinkTypes.Ethernet, "2001:db8::a:b0c", "2001:db8::1:2:3");
        Assert.Equal(Mac(0, 0x0a, 0x0b, 0x0c), syn[6..12]);
        Assert.Equal(new byte[] { 0x86, 0xDD }, syn[12..14]);
        Assert.Equal(0x60, syn[14]);
    }

    [Fact]
    public void Ethernet_Vlan8021Q()
    {
        (byte[] syn, _) = TwoFrames(LinkTypes.Ethernet, options: new TcpConversationOptions { Vlan = 100 });
        Assert.Equal(new byte[] { 0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45 }, syn[12..19]);
    }

    [Fact]
    public void Ethernet_QinQ_OuterS_TagThenInnerC_Tag()
    {
        (byte[] syn, _) = TwoFrames(LinkTypes.Ethernet, options: new TcpConversationOptions { Vlan = 4094, InnerVlan = 7 });
        Assert.Equal(new byte[] { 0x88, 0xA8, 0x0F, 0xFE, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00, 0x45 }, syn[12..23]);
    }

    [Fact]
    public void Ethernet_PaddingToSixtyBytes_IsOptional()
    {
        var builder = new TrafficBuilder { PadEthernetFrames = true };
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, new TcpConversationOptions { Timestamps = false }).Handshake();

        byte[] ack = builder.Frames[2].Data;
        Assert.Equal(60, ack.Length);
        Assert.Equal(40, BinaryPrimitives.ReadUInt16BigEndian(ack.AsSpan(16)));  // IP total length unchanged
        Assert.All(ack[54..], b => Assert.Equal(0, b));
        Assert.Equal(66, builder.Frames[0].Data.Length);  // longer frames are left alone
    }

    [Fact]
    public void RawIp_HasNoLinkHeader()
    {
        (byte[] syn, _) = TwoFrames(LinkTypes.Raw);
        Assert.Equal(0x45, syn[0]);
        Assert.Equal(60, syn.Length);
        (byte[] syn6, _) = TwoFrames(LinkTypes.Raw, "::1", "::2");
        Assert.Equal(0x60, syn6[0]);
    }

    [Fact]
    public void LinuxSll_MarksServerPacketsOutgoing()
    {
        (byte[] syn, byte[] synAck) = TwoFrames(LinkTypes.LinuxSll);
        byte[] expectedClient = [0x00, 0x00, 0x00, 0x01, 0x00, 0x06, .. Mac(10, 0, 0, 1), 0x00, 0x00, 0x08, 0x00];
        Assert.Equal(expectedClient, syn[..16]);
        Assert.Equal(new byte[] { 0x00, 0x04 }, synAck[..2]);
        Assert.Equal(Mac(10, 0, 0, 2), synAck[6..12]);
        Assert.Equal(0x45, syn[16]);
    }

    [Fact]
    public void LinuxSll2_HeaderLayout()
    {
        (byte[] syn, byte[] synAck) = TwoFrames(LinkTypes.LinuxSll2, "2001:db8::1", "2001:db8::2");
        byte[] expectedClient =
        [
            0x86, 0xDD,             // protocol
            0x00, 0x00,             // reserved
            0x00, 0x00, 0x00, 0x02, // interface index
            0x00, 0x01,             // ARPHRD_ETHER
            0x00,                   // PACKET_HOST
            0x06,                   // address length
            .. Mac(0, 0, 0, 1), 0x00, 0x00,
        ];
        Assert.Equal(expectedClient, syn[..20]);
        Assert.Equal(4, synAck[10]);  // PACKET_OUTGOING
        Assert.Equal(0x60, syn[20]);
    }

    [Fact]
    public void Null_HoldsTheAddressFamilyLittleEndian()
    {
        (byte[] syn, _) = TwoFrames(LinkTypes.Null);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0x45 }, syn[..5]);
        (byte[] syn6, _) = TwoFrames(LinkTypes.Null, "::1", "::1");
        Assert.Equal(new byte[] { 30, 0, 0, 0, 0x60 }, syn6[..5]);
    }

    [Theory]
    [InlineData(LinkTypes.Ethernet)]
    [InlineData(LinkTypes.Raw)]
    [InlineData(LinkTypes.LinuxSll)]
    [InlineData(LinkTypes.LinuxSll2)]
    [InlineData(LinkTypes.Null)]
    public void EveryLinkType_CarriesTheSameIpPacket(int linkType)
    {
        (byte[] reference, _) = TwoFrames(LinkTypes.Raw);
        (byte[] syn, _) = TwoFrames(linkType);
        Assert.Equal(reference, syn[^reference.Length..]);
    }
}
