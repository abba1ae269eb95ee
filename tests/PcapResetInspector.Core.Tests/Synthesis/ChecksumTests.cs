using PcapResetInspector.Core.Net;
using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class ChecksumTests
{
    [Fact]
    public void InternetChecksum_MatchesTheRfc1071Example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Assert.Equal(0x220D, InternetChecksum.Finish(InternetChecksum.Add(0, data)));
        // An odd trailing byte counts as the high half of a word.
        Assert.Equal(0x54FF, InternetChecksum.Finish(InternetChecksum.Add(0, [0xAB])));
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2")]
    [InlineData("192.168.255.254", "172.31.200.9")]
    public void IPv4_HeaderAndTcpChecksums_AreCorrect(string client, string server)
    {
        var builder = new TrafficBuilder();
        builder.Tcp(client, 50000, server, 445).Handshake().Data(Side.Client, 7).Data(Side.Server, 1448)
            .KeepAlive(Side.Client).Fin(Side.Server).Rst(Side.Client).Syn().RefuseWithRst();

        Assert.Equal(10, builder.Frames.Count);
        foreach (BuiltFrame frame in builder.Frames)
        {
            var packet = new TestPacket(frame.Data, frame.LinkType);
            Assert.Equal(4, packet.IpVersion);
            ushort stored = BinaryPrimitives.ReadUInt16BigEndian(packet.Ip[10..]);
            Assert.Equal(ReferenceChecksum.ExpectedIPv4HeaderChecksum(packet), stored);
            // A correct header sums to all ones (RFC 1071 §1).
            Assert.Equal(0xFFFF, ReferenceChecksum.OnesComplementSum(packet.Ip[..20].ToArray()));
            Assert.Equal(ReferenceChecksum.ExpectedTcpChecksum(packet), packet.TcpChecksum);
        }
    }

    [Fact]
    public void IPv6_TcpChecksums_AreCorrect()
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Raw);
        builder.Tcp("2001:db8::1", 51000, "2001:db8:ffff::abcd", 80).Handshake().Data(Side.Client, 333).Data(Side.Server, 1)
            .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client).Rst(Side.Server, withAck: true);

        Assert.Equal(9, builder.Frames.Count);
        foreach (BuiltFrame frame in builder.Frames)
        {
            var packet = new TestPacket(frame.Data, frame.LinkType);
            Assert.Equal(6, packet.IpVersion);
            Assert.Equal(ReferenceChecksum.ExpectedTcpChecksum(packet), packet.TcpChecksum);
        }
    }

    [Fact]
    public void CorruptingOneByte_BreaksTheTcpChecksum()
    {
        // Guards the reference computation itself: it must notice a changed byte.
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80).Syn();
        var packet = new TestPacket(builder.Frames[0].Data, LinkTypes.Ethernet);
        packet.Tcp[4] ^= 0x01;
        Assert.NotEqual(ReferenceChecksum.ExpectedTcpChecksum(packet), packet.TcpChecksum);
    }
}
