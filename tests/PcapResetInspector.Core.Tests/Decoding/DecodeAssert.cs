using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Decoding;

internal static class DecodeAssert
{
    public static TcpSegment Tcp(byte[] frame, int linkType)
    {
        DecodeStatus status = PacketDecoder.Decode(frame, linkType, PacketBuilder.Timestamp, out TcpSegment segment);
        Assert.Equal(DecodeStatus.Tcp, status);
        return segment;
    }

    public static void Status(DecodeStatus expected, byte[] frame, int linkType)
    {
        DecodeStatus status = PacketDecoder.Decode(frame, linkType, PacketBuilder.Timestamp, out _);
        Assert.Equal(expected, status);
    }

    /// <summary>Every field of <see cref="PacketBuilder.SampleTcp"/>: MSS 1460, ACK|PSH, a 16-byte payload.</summary>
    private static void SampleTcpFields(in TcpSegment segment, int tcpOffset)
    {
        Assert.Equal(1_700_000_000_123_456_789, segment.TimestampNanos);
        Assert.Equal(49152, segment.SourcePort);
        Assert.Equal(443, segment.DestinationPort);
        Assert.Equal(0x01020304u, segment.SequenceNumber);
        Assert.Equal(0xA0B0C0D0u, segment.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh, segment.Flags);
        Assert.Equal(0xFAF0, segment.Window);
        Assert.Equal(TcpOptionsSeen.Mss, segment.Options);
        Assert.Equal(1460, segment.Mss);
        Assert.Equal(tcpOffset, segment.TcpHeaderOffset);
        Assert.Equal(tcpOffset + 24, segment.PayloadOffset);
        Assert.Equal(16, segment.PayloadLength);
        Assert.Equal(16, segment.CapturedPayloadLength);
        Assert.False(segment.FirstFragment);
    }

    /// <summary>Every field of <see cref="PacketBuilder.SampleIpv4Tcp"/> found at <paramref name="ipOffset"/>.</summary>
    public static void SampleIpv4(in TcpSegment segment, int ipOffset, ushort vlan = 0, ushort innerVlan = 0)
    {
        Assert.Equal(4, segment.IpVersion);
        Assert.False(segment.IsIPv6);
        Assert.Equal("192.0.2.10", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal("198.51.100.20", IpAddress128.Format(segment.DestinationAddress));
        Assert.True(IpAddress128.IsIPv4(segment.SourceAddress));
        Assert.Equal(ipOffset, segment.IpHeaderOffset);
        Assert.Equal(60, segment.IpTotalLength);
        Assert.Equal(57, segment.Ttl);
        Assert.Equal(0x1234, segment.IpId);
        Assert.True(segment.DontFragment);
        Assert.Equal(vlan, segment.Vlan);
        Assert.Equal(innerVlan, segment.InnerVlan);
        SampleTcpFields(segment, ipOffset + 20);
    }

    /// <summary>Every field of <see cref="PacketBuilder.SampleIpv6Tcp"/> found at <paramref name="ipOffset"/>.</summary>
    public static void SampleIpv6(in TcpSegment segment, int ipOffset, ushort vlan = 0, ushort innerVlan = 0)
    {
        Assert.Equal(6, segment.IpVersion);
        Assert.True(segment.IsIPv6);
        Assert.Equal("2001:db8::10", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal("2001:db8:0:1::20", IpAddress128.Format(segment.DestinationAddress));
        Assert.Equal(ipOffset, segment.IpHeaderOffset);
        Assert.Equal(80, segment.IpTotalLength);
        Assert.Equal(57, segment.Ttl);
        Assert.Equal(0, segment.IpId);
        Assert.False(segment.DontFragment);
        Assert.Equal(vlan, segment.Vlan);
        Assert.Equal(innerVlan, segment.InnerVlan);
        SampleTcpFields(segment, ipOffset + 40);
    }
}
