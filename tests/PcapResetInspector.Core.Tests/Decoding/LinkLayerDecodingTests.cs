using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

public class LinkLayerDecodingTests
{
    [Fact]
    public void Ethernet_ipv4()
    {
        TcpSegment segment = DecodeAssert.Tcp(Ethernet(0x0800, SampleIpv4Tcp()), LinkTypes.Ethernet);
        DecodeAssert.SampleIpv4(segment, ipOffset: 14);
    }

    [Fact]
    public void Ethernet_ipv6()
    {
        TcpSegment segment = DecodeAssert.Tcp(Ethernet(0x86DD, SampleIpv6Tcp()), LinkTypes.Ethernet);
        DecodeAssert.SampleIpv6(segment, ipOffset: 14);
    }

    [Fact]
    public void Ethernet_8021Q_records_the_vlan_id_without_the_priority_bits()
    {
        byte[] frame = Ethernet(0x8100, Concat(VlanTag(100, 0x0800), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 18, vlan: 100);
    }

    [Fact]
    public void Ethernet_8021Q_ipv6_with_the_largest_vlan_id()
    {
        byte[] frame = Ethernet(0x8100, Concat(VlanTag(4095, 0x86DD), SampleIpv6Tcp()));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 18, vlan: 4095);
    }

    [Theory]
    [InlineData(0x88A8)]
    [InlineData(0x9100)]
    [InlineData(0x8100)]
    public void QinQ_records_outer_and_inner_vlan(int outerTpid)
    {
        byte[] frame = Ethernet((ushort)outerTpid, Concat(VlanTag(200, 0x8100), VlanTag(300, 0x0800), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 22, vlan: 200, innerVlan: 300);
    }

    [Fact]
    public void Three_vlan_tags_keep_the_two_outer_ids_and_skip_the_third()
    {
        byte[] frame = Ethernet(0x88A8, Concat(VlanTag(10, 0x8100), VlanTag(20, 0x8100), VlanTag(30, 0x86DD), SampleIpv6Tcp()));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 26, vlan: 10, innerVlan: 20);
    }

    [Fact]
    public void Mpls_one_label()
    {
        byte[] frame = Ethernet(0x8847, Concat(MplsLabel(16, bottomOfStack: true), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 18);
    }

    [Fact]
    public void Mpls_two_labels()
    {
        byte[] frame = Ethernet(0x8847, Concat(MplsLabel(29, bottomOfStack: false), MplsLabel(17, bottomOfStack: true), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 22);
    }

    [Fact]
    public void Mpls_multicast_two_labels_ipv6()
    {
        byte[] frame = Ethernet(0x8848, Concat(MplsLabel(29, bottomOfStack: false), MplsLabel(2, bottomOfStack: true), SampleIpv6Tcp()));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 22);
    }

    [Fact]
    public void Mpls_carrying_an_ethernet_pseudowire_is_not_ip()
    {
        // RFC 4385 control word: first nibble 0.
        byte[] frame = Ethernet(0x8847, Concat(MplsLabel(16, bottomOfStack: true), U32(0), Ethernet(0x0800, SampleIpv4Tcp())));
        DecodeAssert.Status(DecodeStatus.NotIp, frame, LinkTypes.Ethernet);
    }

    [Fact]
    public void Mpls_label_stack_without_bottom_of_stack_is_truncated()
    {
        byte[] frame = Ethernet(0x8847, Concat(MplsLabel(16, bottomOfStack: false), MplsLabel(17, bottomOfStack: false)));
        DecodeAssert.Status(DecodeStatus.Truncated, frame, LinkTypes.Ethernet);
    }

    [Fact]
    public void Pppoe_session_ipv4()
    {
        byte[] frame = Ethernet(0x8864, PppoeSession(0x0021, SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 22);
    }

    [Fact]
    public void Pppoe_session_ipv6_inside_a_vlan()
    {
        byte[] frame = Ethernet(0x8100, Concat(VlanTag(7, 0x8864), PppoeSession(0x0057, SampleIpv6Tcp())));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 26, vlan: 7);
    }

    [Fact]
    public void Pppoe_session_carrying_lcp_is_not_ip()
    {
        byte[] frame = Ethernet(0x8864, PppoeSession(0xC021, Hex("0101000401")));
        DecodeAssert.Status(DecodeStatus.NotIp, frame, LinkTypes.Ethernet);
    }

    [Theory]
    [InlineData(0x0806)] // ARP
    [InlineData(0x88CC)] // LLDP
    [InlineData(0x8863)] // PPPoE discovery
    [InlineData(0x05DC)] // 802.3 length 1500
    [InlineData(0x0026)] // 802.3 length 38
    public void Ethernet_non_ip_ethertypes_and_8023_lengths_are_not_ip(int etherType)
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Ethernet((ushort)etherType, SampleIpv4Tcp()), LinkTypes.Ethernet);
    }

    [Fact]
    public void Arp_inside_a_vlan_is_not_ip_but_keeps_the_vlan()
    {
        byte[] frame = Ethernet(0x8100, Concat(VlanTag(42, 0x0806), Hex("0001080006040001020000000001c000020a000000000000c0000214")));
        DecodeStatus status = PacketDecoder.Decode(frame, LinkTypes.Ethernet, 0, out TcpSegment segment);
        Assert.Equal(DecodeStatus.NotIp, status);
        Assert.Equal(42, segment.Vlan);
    }

    [Theory]
    [InlineData(LinkTypes.Raw)]
    [InlineData(LinkTypes.RawBsd12)]
    [InlineData(LinkTypes.RawBsd14)]
    public void Raw_ip_picks_the_version_from_the_first_nibble(int linkType)
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(SampleIpv4Tcp(), linkType), ipOffset: 0);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(SampleIpv6Tcp(), linkType), ipOffset: 0);
    }

    [Theory]
    [InlineData(LinkTypes.Raw)]
    [InlineData(LinkTypes.RawBsd12)]
    [InlineData(LinkTypes.RawBsd14)]
    public void Raw_ip_with_another_version_nibble_is_malformed(int linkType)
    {
        byte[] frame = SampleIpv4Tcp();
        frame[0] = 0x55;
        DecodeAssert.Status(DecodeStatus.Malformed, frame, linkType);
    }

    [Fact]
    public void Linktype_ipv4_takes_ipv4_only()
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(SampleIpv4Tcp(), LinkTypes.Ipv4), ipOffset: 0);
        DecodeAssert.Status(DecodeStatus.Malformed, SampleIpv6Tcp(), LinkTypes.Ipv4);
    }

    [Fact]
    public void Linktype_ipv6_takes_ipv6_only()
    {
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(SampleIpv6Tcp(), LinkTypes.Ipv6), ipOffset: 0);
        DecodeAssert.Status(DecodeStatus.Malformed, SampleIpv4Tcp(), LinkTypes.Ipv6);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Null_af_inet_in_either_byte_order(bool littleEndianHost)
    {
        byte[] family = littleEndianHost ? U32LittleEndian(2) : U32(2);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Concat(family, SampleIpv4Tcp()), LinkTypes.Null), ipOffset: 4);
    }

    [Theory]
    [InlineData(10u, true)]
    [InlineData(10u, false)]
    [InlineData(24u, true)]
    [InlineData(24u, false)]
    [InlineData(28u, true)]
    [InlineData(28u, false)]
    [InlineData(30u, true)]
    [InlineData(30u, false)]
    public void Null_each_af_inet6_in_either_byte_order(uint family, bool littleEndianHost)
    {
        byte[] header = littleEndianHost ? U32LittleEndian(family) : U32(family);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Concat(header, SampleIpv6Tcp()), LinkTypes.Null), ipOffset: 4);
    }

    [Theory]
    [InlineData(7u)]   // AF_ISO on BSD
    [InlineData(23u)]  // AF_IPX on BSD
    [InlineData(0u)]
    public void Null_other_families_are_not_ip(uint family)
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(U32LittleEndian(family), SampleIpv4Tcp()), LinkTypes.Null);
    }

    [Fact]
    public void Loop_reads_the_family_in_network_order()
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Concat(U32(2), SampleIpv4Tcp()), LinkTypes.Loop), ipOffset: 4);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Concat(U32(24), SampleIpv6Tcp()), LinkTypes.Loop), ipOffset: 4);
        // Unlike NULL, LOOP does not guess: a little-endian 2 is 0x02000000, no known family.
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(U32LittleEndian(2), SampleIpv4Tcp()), LinkTypes.Loop);
    }

    [Fact]
    public void Linux_sll()
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Sll(0x0800, SampleIpv4Tcp()), LinkTypes.LinuxSll), ipOffset: 16);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Sll(0x86DD, SampleIpv6Tcp()), LinkTypes.LinuxSll), ipOffset: 16);
    }

    [Fact]
    public void Linux_sll_with_a_vlan_tag_after_the_header()
    {
        byte[] frame = Sll(0x8100, Concat(VlanTag(55, 0x0800), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.LinuxSll), ipOffset: 20, vlan: 55);
    }

    [Fact]
    public void Linux_sll_llc_protocol_is_not_ip()
    {
        // Protocol 0x0004: 802.2 LLC frame follows (tcpdump.org LINKTYPE_LINUX_SLL).
        DecodeAssert.Status(DecodeStatus.NotIp, Sll(0x0004, SampleIpv4Tcp()), LinkTypes.LinuxSll);
    }

    [Fact]
    public void Linux_sll2()
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Sll2(0x0800, SampleIpv4Tcp()), LinkTypes.LinuxSll2), ipOffset: 20);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Sll2(0x86DD, SampleIpv6Tcp()), LinkTypes.LinuxSll2), ipOffset: 20);
        DecodeAssert.Status(DecodeStatus.NotIp, Sll2(0x0806, SampleIpv4Tcp()), LinkTypes.LinuxSll2);
    }

    [Theory]
    [InlineData("ff030021", 4)]  // address, control, 2-byte protocol
    [InlineData("0021", 2)]      // address and control omitted
    [InlineData("21", 1)]        // protocol field compressed (RFC 1661 §6.5)
    [InlineData("ff0321", 3)]
    public void Ppp_ipv4_with_and_without_address_control_and_compression(string header, int ipOffset)
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Concat(Hex(header), SampleIpv4Tcp()), LinkTypes.Ppp), ipOffset);
    }

    [Theory]
    [InlineData("ff030057", 4)]
    [InlineData("57", 1)]
    public void Ppp_ipv6(string header, int ipOffset)
    {
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Concat(Hex(header), SampleIpv6Tcp()), LinkTypes.Ppp), ipOffset);
    }

    [Theory]
    [InlineData("ff03c021")] // LCP
    [InlineData("8021")]     // IPCP
    public void Ppp_control_protocols_are_not_ip(string header)
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(Hex(header), Hex("01010004")), LinkTypes.Ppp);
    }

    [Fact]
    public void Cisco_hdlc()
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Concat(Hex("0f000800"), SampleIpv4Tcp()), LinkTypes.CiscoHdlc), ipOffset: 4);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Concat(Hex("8f0086dd"), SampleIpv6Tcp()), LinkTypes.CiscoHdlc), ipOffset: 4);
        // SLARP keepalive.
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(Hex("8f008035"), new byte[20]), LinkTypes.CiscoHdlc);
    }

    [Fact]
    public void Ppi_decodes_the_inner_link_type_after_the_header_length()
    {
        byte[] frame = Ppi(LinkTypes.Ethernet, Ethernet(0x0800, SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ppi), ipOffset: 34);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Ppi(LinkTypes.Raw, SampleIpv6Tcp()), LinkTypes.Ppi), ipOffset: 20);
    }

    [Fact]
    public void Ppi_over_80211_decodes_the_80211_frame()
    {
        byte[] beacon = LinkPacketBuilder.Ieee80211Data(new byte[40], subtype: 8, type: 0);
        DecodeAssert.Status(DecodeStatus.NotIp, Ppi(LinkTypes.Ieee80211, beacon), LinkTypes.Ppi);
        byte[] data = LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x0800, SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Ppi(LinkTypes.Ieee80211, data), LinkTypes.Ppi), ipOffset: 20 + 24 + 8);
        // PPI's inner DLT may be any link type the decoder knows, but not PPI again.
        DecodeAssert.Status(DecodeStatus.UnsupportedLinkType, Ppi(147, data), LinkTypes.Ppi);
    }

    [Fact]
    public void Ppi_inside_ppi_is_not_followed()
    {
        byte[] frame = Ppi(LinkTypes.Ppi, Ppi(LinkTypes.Raw, SampleIpv4Tcp()));
        DecodeAssert.Status(DecodeStatus.UnsupportedLinkType, frame, LinkTypes.Ppi);
    }

    [Fact]
    public void Ppi_header_length_below_its_fixed_part_is_malformed_and_beyond_the_frame_truncated()
    {
        byte[] tooShort = Concat(Hex("0000 0400"), U32LittleEndian(1), Ethernet(0x0800, SampleIpv4Tcp()));
        DecodeAssert.Status(DecodeStatus.Malformed, tooShort, LinkTypes.Ppi);
        byte[] tooLong = Concat(Hex("0000 ff00"), U32LittleEndian(1), new byte[20]);
        DecodeAssert.Status(DecodeStatus.Truncated, tooLong, LinkTypes.Ppi);
    }

    [Theory]
    [InlineData(129)]  // ARCNET_LINUX
    [InlineData(147)]  // USER0
    [InlineData(242)]  // IPOIB
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void Unknown_link_types_are_reported_as_such(int linkType)
    {
        DecodeAssert.Status(DecodeStatus.UnsupportedLinkType, SampleIpv4Tcp(), linkType);
    }

    [Fact]
    public void Packet_record_overload_uses_its_data_link_type_and_timestamp()
    {
        byte[] frame = Sll2(0x0800, SampleIpv4Tcp());
        var record = new PacketRecord(frame, timestampNanos: 42, originalLength: frame.Length, LinkTypes.LinuxSll2, interfaceId: 0);
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(in record, out TcpSegment segment));
        Assert.Equal(42, segment.TimestampNanos);
        Assert.Equal(20, segment.IpHeaderOffset);
        Assert.Equal(0x01020304u, segment.SequenceNumber);
    }

    [Fact]
    public void Empty_frames_are_truncated_on_every_supported_link_type()
    {
        foreach (int linkType in new[] { 0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 119, 127, 163, 192, 228, 229, 239, 276 })
        {
            DecodeAssert.Status(DecodeStatus.Truncated, [], linkType);
        }
    }
}
