using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

public class Ipv6DecodingTests
{
    private const int Raw = LinkTypes.Raw;
    private const byte HopByHop = 0, Tcp6 = 6, Udp = 17, Routing = 43, Fragment = 44, Ah = 51, NoNext = 59, DestinationOptions = 60;

    [Fact]
    public void Hop_by_hop_routing_destination_options_and_fragment_headers_are_walked()
    {
        byte[] extensions = Concat(
            OptionsHeader(Routing),                                   // 8 bytes
            RoutingHeader(DestinationOptions, "2001:db8::99"),        // 24 bytes
            OptionsHeader(Fragment, lengthUnits: 1),                  // 16 bytes
            FragmentHeader(Tcp6, offsetUnits: 0, moreFragments: false)); // 8 bytes
        byte[] packet = Ipv6(Concat(extensions, SampleTcp()), nextHeader: HopByHop);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(40 + 56, segment.TcpHeaderOffset);
        Assert.Equal(40 + 56 + 24, segment.PayloadOffset);
        Assert.Equal(16, segment.PayloadLength);
        Assert.Equal(16, segment.CapturedPayloadLength);
        Assert.Equal(40 + 56 + 40, segment.IpTotalLength);
        Assert.Equal("2001:db8::10", IpAddress128.Format(segment.SourceAddress));
        // The IPv6 header's destination, not the routing header's address.
        Assert.Equal("2001:db8:0:1::20", IpAddress128.Format(segment.DestinationAddress));
        Assert.False(segment.FirstFragment);
        Assert.Equal(1460, segment.Mss);
    }

    [Fact]
    public void Authentication_header_length_counts_four_byte_words()
    {
        byte[] packet = Ipv6(Concat(AuthenticationHeader(Tcp6), SampleTcp()), nextHeader: Ah);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(64, segment.TcpHeaderOffset);
        Assert.Equal(16, segment.PayloadLength);
    }

    [Fact]
    public void Hop_limit_goes_into_ttl()
    {
        TcpSegment segment = DecodeAssert.Tcp(Ipv6(SampleTcp(), hopLimit: 255, source: "fe80::1", destination: "::1"), Raw);
        Assert.Equal(255, segment.Ttl);
        Assert.Equal("fe80::1", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal("::1", IpAddress128.Format(segment.DestinationAddress));
        Assert.False(IpAddress128.IsIPv4(segment.SourceAddress));
    }

    [Fact]
    public void First_fragment_with_more_fragments_decodes()
    {
        byte[] packet = Ipv6(Concat(FragmentHeader(Tcp6, 0, moreFragments: true), Tcp(payload: new byte[1000])), nextHeader: Fragment);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.True(segment.FirstFragment);
        Assert.Equal(1000, segment.PayloadLength);
        Assert.Equal(48, segment.TcpHeaderOffset);
    }

    [Fact]
    public void Non_first_fragment_is_a_fragment_with_its_addresses()
    {
        byte[] packet = Ipv6(Concat(FragmentHeader(Tcp6, 185, moreFragments: false), new byte[100]), nextHeader: Fragment);
        DecodeStatus status = PacketDecoder.Decode(packet, Raw, 0, out TcpSegment segment);
        Assert.Equal(DecodeStatus.Fragment, status);
        Assert.Equal("2001:db8::10", IpAddress128.Format(segment.SourceAddress));
        Assert.Equal(148, segment.IpTotalLength);
    }

    [Fact]
    public void Non_first_fragment_of_udp_is_not_tcp()
    {
        byte[] packet = Ipv6(Concat(FragmentHeader(Udp, 185, moreFragments: true), new byte[100]), nextHeader: Fragment);
        DecodeAssert.Status(DecodeStatus.NotTcp, packet, Raw);
    }

    [Fact]
    public void First_fragment_too_small_for_the_tcp_header_is_a_fragment()
    {
        byte[] packet = Ipv6(Concat(FragmentHeader(Tcp6, 0, moreFragments: true), SampleTcp()[..8]), nextHeader: Fragment);
        DecodeAssert.Status(DecodeStatus.Fragment, packet, Raw);
    }

    [Theory]
    [InlineData(Udp)]
    [InlineData(58)] // ICMPv6
    [InlineData(50)] // ESP: nothing readable after it
    public void Other_upper_layers_are_not_tcp(byte nextHeader)
    {
        DecodeAssert.Status(DecodeStatus.NotTcp, Ipv6(new byte[24], nextHeader: nextHeader), Raw);
    }

    [Fact]
    public void No_next_header_is_not_tcp_even_after_extension_headers()
    {
        DecodeAssert.Status(DecodeStatus.NotTcp, Ipv6([], nextHeader: NoNext), Raw);
        DecodeAssert.Status(DecodeStatus.NotTcp, Ipv6(OptionsHeader(NoNext), nextHeader: DestinationOptions), Raw);
    }

    [Fact]
    public void Jumbogram_with_payload_length_zero_uses_the_captured_length()
    {
        // RFC 2675: jumbo payload option (type 0xC2, length 4) in hop-by-hop, payload length field 0.
        byte[] hopByHop = OptionsHeader(Tcp6, options: Hex("c204 00011000"));
        byte[] packet = Ipv6(Concat(hopByHop, Tcp(payload: new byte[2000])), nextHeader: HopByHop, payloadLength: 0);
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(2000, segment.PayloadLength);
        Assert.Equal(2000, segment.CapturedPayloadLength);
        Assert.Equal(40 + 8 + 20 + 2000, segment.IpTotalLength);
    }

    [Fact]
    public void Payload_length_zero_without_jumbo_option_is_malformed()
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv6(SampleTcp(), payloadLength: 0), Raw);
        DecodeAssert.Status(DecodeStatus.Malformed,
            Ipv6(Concat(OptionsHeader(Tcp6), SampleTcp()), nextHeader: HopByHop, payloadLength: 0), Raw);
    }

    [Fact]
    public void Extension_header_longer_than_the_payload_length_is_malformed()
    {
        byte[] extension = OptionsHeader(Tcp6, lengthUnits: 1);
        extension[1] = 200; // says 1608 bytes
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv6(Concat(extension, SampleTcp()), nextHeader: DestinationOptions), Raw);
    }

    [Fact]
    public void Extension_header_cut_by_the_capture_is_truncated()
    {
        byte[] packet = Ipv6(Concat(OptionsHeader(Tcp6, lengthUnits: 3), SampleTcp()), nextHeader: HopByHop);
        DecodeAssert.Status(DecodeStatus.Truncated, packet[..60], Raw);
        DecodeAssert.Status(DecodeStatus.Truncated, packet[..44], Raw);
    }

    [Fact]
    public void Payload_length_too_small_for_a_tcp_header_is_malformed()
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv6(SampleTcp(), payloadLength: 12), Raw);
    }

    [Fact]
    public void Snaplen_cut_payload_keeps_the_length_from_the_ip_header()
    {
        byte[] packet = Ipv6(Tcp(payload: new byte[1200]));
        TcpSegment segment = DecodeAssert.Tcp(packet[..96], Raw);
        Assert.Equal(1200, segment.PayloadLength);
        Assert.Equal(36, segment.CapturedPayloadLength);
        Assert.Equal(1260, segment.IpTotalLength);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void Ethertype_ipv6_with_another_version_is_malformed(int version)
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x86DD, Ipv6(SampleTcp(), version: version)), LinkTypes.Ethernet);
    }
}
