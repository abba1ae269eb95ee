using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

public class Ipv4DecodingTests
{
    private const int Raw = LinkTypes.Raw;

    [Fact]
    public void Options_are_skipped_by_the_header_length()
    {
        // Record route (RFC 791 §3.1), 11 bytes with room for two addresses, then EOL: 12 bytes, IHL 8.
        byte[] options = Hex("070b04 c0000201 00000000 00");
        TcpSegment segment = DecodeAssert.Tcp(Ipv4(SampleTcp(), options: options), Raw);
        Assert.Equal(0, segment.IpHeaderOffset);
        Assert.Equal(32, segment.TcpHeaderOffset);
        Assert.Equal(56, segment.PayloadOffset);
        Assert.Equal(16, segment.PayloadLength);
        Assert.Equal(72, segment.IpTotalLength);
        Assert.Equal(49152, segment.SourcePort);
        Assert.Equal(1460, segment.Mss);
    }

    [Fact]
    public void Largest_header_of_60_bytes()
    {
        byte[] options = new byte[40];
        options.AsSpan().Fill(0x01); // NOPs
        TcpSegment segment = DecodeAssert.Tcp(Ipv4(SampleTcp(), options: options), Raw);
        Assert.Equal(60, segment.TcpHeaderOffset);
        Assert.Equal(84, segment.PayloadOffset);
        Assert.Equal(100, segment.IpTotalLength);
    }

    [Fact]
    public void Ttl_id_and_flags_are_recorded()
    {
        byte[] packet = Ipv4(SampleTcp(), ttl: 1, id: 0xFFFE, dontFragment: false,
            source: "10.255.0.1", destination: "255.255.255.254");
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(1, segment.Ttl);
        Assert.Equal(0xFFFE, segment.IpId);
        Assert.False(segment.DontFragment);
        Assert.Equal("10.255.0.1", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal("255.255.255.254", IpAddress128.Format(segment.DestinationAddress));
        Assert.Equal(IpAddress128.Parse("10.255.0.1"), segment.SourceAddress);
    }

    [Fact]
    public void Ethernet_padding_after_the_total_length_is_not_payload()
    {
        // A bare RST: 40 bytes of IP, padded to the 60-byte Ethernet minimum with non-zero junk.
        byte[] frame = Ethernet(0x0800, Concat(Ipv4(Tcp(TcpFlags.Rst)), Hex("deadbeefdeadbeef")));
        TcpSegment segment = DecodeAssert.Tcp(frame, LinkTypes.Ethernet);
        Assert.Equal(40, segment.IpTotalLength);
        Assert.Equal(0, segment.PayloadLength);
        Assert.Equal(0, segment.CapturedPayloadLength);
        Assert.Equal(54, segment.PayloadOffset);
        Assert.Equal(TcpFlags.Rst, segment.Flags);
    }

    [Fact]
    public void Options_stop_at_the_ip_total_length_not_at_the_padding()
    {
        // Data offset 6 (4 option bytes), but the IP datagram ends after 20 bytes of TCP: malformed, padding does not rescue it.
        byte[] frame = Ethernet(0x0800, Concat(Ipv4(Tcp(TcpFlags.Rst), totalLength: 40), new byte[10]));
        frame[14 + 20 + 12] = 0x60;
        DecodeAssert.Status(DecodeStatus.Malformed, frame, LinkTypes.Ethernet);
    }

    [Fact]
    public void Snaplen_cut_payload_keeps_the_length_from_the_ip_header()
    {
        byte[] full = Ethernet(0x0800, Ipv4(Tcp(payload: new byte[1400])));
        byte[] captured = full[..68]; // snaplen 68: 14 + 20 + 20 + 14 payload bytes
        TcpSegment segment = DecodeAssert.Tcp(captured, LinkTypes.Ethernet);
        Assert.Equal(1440, segment.IpTotalLength);
        Assert.Equal(1400, segment.PayloadLength);
        Assert.Equal(14, segment.CapturedPayloadLength);
        Assert.Equal(54, segment.PayloadOffset);
    }

    [Fact]
    public void Total_length_zero_is_tso_and_uses_the_captured_length()
    {
        byte[] packet = Ipv4(Tcp(payload: new byte[3000]), totalLength: 0);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(3040, segment.IpTotalLength);
        Assert.Equal(3000, segment.PayloadLength);
        Assert.Equal(3000, segment.CapturedPayloadLength);
    }

    [Fact]
    public void First_fragment_decodes_with_the_fragment_payload_length()
    {
        byte[] packet = Ipv4(Tcp(payload: new byte[1000]), moreFragments: true, dontFragment: false);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.True(segment.FirstFragment);
        Assert.Equal(1000, segment.PayloadLength);
        Assert.Equal(0x01020304u, segment.SequenceNumber);
    }

    [Fact]
    public void Non_first_fragment_is_a_fragment_with_its_addresses()
    {
        byte[] packet = Ipv4(new byte[64], moreFragments: false, fragmentOffsetUnits: 125, dontFragment: false);
        DecodeStatus status = PacketDecoder.Decode(packet, Raw, 0, out TcpSegment segment);
        Assert.Equal(DecodeStatus.Fragment, status);
        Assert.Equal("192.0.2.10", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal("198.51.100.20", IpAddress128.Format(segment.DestinationAddress));
        Assert.Equal(0x1234, segment.IpId);
    }

    [Fact]
    public void Middle_fragment_is_a_fragment()
    {
        DecodeAssert.Status(DecodeStatus.Fragment, Ipv4(new byte[64], moreFragments: true, fragmentOffsetUnits: 1), Raw);
    }

    [Fact]
    public void First_fragment_too_small_for_the_tcp_header_is_a_fragment()
    {
        // RFC 1858 tiny fragment: 8 bytes of TCP header, the rest in later fragments.
        byte[] packet = Ipv4(SampleTcp()[..8], moreFragments: true);
        DecodeAssert.Status(DecodeStatus.Fragment, packet, Raw);
    }

    [Fact]
    public void First_fragment_that_cuts_the_tcp_options_is_a_fragment()
    {
        byte[] tcp = Tcp(options: new byte[40])[..24]; // data offset 15, only 24 bytes in this fragment
        DecodeAssert.Status(DecodeStatus.Fragment, Ipv4(tcp, moreFragments: true), Raw);
    }

    [Theory]
    [InlineData(17)] // UDP
    [InlineData(1)]  // ICMP
    [InlineData(50)] // ESP (GRE, IP-in-IP and UDP tunnels are followed: TunnelDecodingTests)
    public void Other_protocols_are_not_tcp(int protocol)
    {
        DecodeAssert.Status(DecodeStatus.NotTcp, Ipv4(Hex("d4310035001c0000"), protocol: (byte)protocol), Raw);
    }

    [Fact]
    public void Non_first_udp_fragment_is_not_tcp()
    {
        DecodeAssert.Status(DecodeStatus.NotTcp, Ipv4(new byte[32], protocol: 17, fragmentOffsetUnits: 3), Raw);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Ihl_below_five_is_malformed(int ihl)
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv4(SampleTcp(), ihlWords: ihl), Raw);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(1)]
    public void Total_length_below_the_header_length_is_malformed(int totalLength)
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv4(SampleTcp(), totalLength: totalLength), Raw);
    }

    [Fact]
    public void Total_length_below_the_header_with_options_is_malformed()
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv4(SampleTcp(), options: new byte[8], totalLength: 24), Raw);
    }

    [Fact]
    public void Total_length_too_small_for_a_tcp_header_is_malformed()
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv4(SampleTcp(), totalLength: 30), Raw);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(5)]
    [InlineData(0)]
    public void Ethertype_ipv4_with_another_version_is_malformed(int version)
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x0800, Ipv4(SampleTcp(), version: version)), LinkTypes.Ethernet);
    }

    [Fact]
    public void Header_longer_than_the_capture_is_truncated()
    {
        byte[] packet = Ipv4(SampleTcp(), options: new byte[20]);
        DecodeAssert.Status(DecodeStatus.Truncated, packet[..30], Raw);
    }
}
