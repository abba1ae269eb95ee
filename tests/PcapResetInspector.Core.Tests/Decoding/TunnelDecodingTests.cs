using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;
using static PcapResetInspector.Core.Tests.Decoding.TunnelPacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>TCP inside tunnels is decoded as the connection (Zeek's rule); the segment says which tunnel carried it.</summary>
public class TunnelDecodingTests
{
    private const byte IPv4InIp = 4, IPv6InIp = 41, GreProtocol = 47, UdpProtocol = 17;
    private const int EthernetAndIpv4 = 14 + 20;
    private const int EthernetAndIpv6 = 14 + 40;

    /// <summary>
    /// One frame per encapsulation, each carrying <see cref="SampleIpv4Tcp"/> or <see cref="SampleIpv6Tcp"/>. They
    /// join the cut-at-every-byte, fuzzing and allocation tests through <see cref="TruncatedAndFuzzedFrameTests.SampleFrames"/>.
    /// </summary>
    public static IEnumerable<(string Name, int LinkType, byte[] Frame)> TunnelFrames()
    {
        byte[] innerEthernetV4 = Ethernet(0x8100, Concat(VlanTag(300, 0x0800), SampleIpv4Tcp()));
        yield return ("ipip-4in4-vlan", LinkTypes.Ethernet, Ethernet(0x8100, Concat(VlanTag(7, 0x0800), OuterIpv4(IPv4InIp, SampleIpv4Tcp()))));
        yield return ("ipip-6in6", LinkTypes.Ethernet, Ethernet(0x86DD, OuterIpv6(IPv6InIp, SampleIpv6Tcp())));
        yield return ("gre-ckey-seq-ipv6", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x86DD, SampleIpv6Tcp(), checksum: true, key: 9, sequence: 1))));
        yield return ("gre-bridging-vlan", LinkTypes.Ethernet, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x6558, innerEthernetV4, key: 1))));
        yield return ("gre-erspan2", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x88BE, Concat(Hex("100a0001 00000000"), Ethernet(0x0800, SampleIpv4Tcp())), sequence: 5))));
        yield return ("gre-erspan3-platform", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x22EB, Concat(Hex("200a0001 00000000 00000001"), new byte[8], Ethernet(0x0800, SampleIpv4Tcp())), sequence: 5))));
        yield return ("pptp-ppp-ipv4", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(GreProtocol, PptpGre(Concat(Hex("ff030021"), SampleIpv4Tcp()), acknowledgment: 3))));
        yield return ("gre-in-udp-key", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(51515, 4754, Gre(0x0800, SampleIpv4Tcp(), key: 77)))));
        yield return ("vxlan-vlan", LinkTypes.Ethernet, Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(50123, 4789, Vxlan(innerEthernetV4)))));
        yield return ("geneve-options-ipv6", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(47101, 6081, Geneve(0x6558, Ethernet(0x86DD, SampleIpv6Tcp()), GeneveOption(2))))));
        yield return ("gtpu-extensions-ipv4", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(2152, 2152, GtpU(SampleIpv4Tcp(), 0x06, optionalAndExtensions: GtpSequenceAndTwoExtensions)))));
        yield return ("teredo-auth-origin", LinkTypes.Ethernet,
            Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3544, 3797, Teredo(SampleIpv6Tcp(), authentication: true, origin: true)))));
        yield return ("ayiya-ipv6-over-ipv6", LinkTypes.Raw, OuterIpv6(UdpProtocol, Udp(5072, 5072, Ayiya(SampleIpv6Tcp(), IPv6InIp))));
        yield return ("gre-aruba-80211-qos-ipv6", LinkTypes.Ethernet, Ethernet(0x0800, OuterIpv4(GreProtocol,
            Gre(0x8250, LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x86DD, SampleIpv6Tcp()), subtype: 8, order: true)))));
    }

    private static TcpSegment Frame(string name)
    {
        var (_, linkType, frame) = TunnelFrames().Single(sample => sample.Name == name);
        return DecodeAssert.Tcp(frame, linkType);
    }

    private static void AssertTunnel(in TcpSegment segment, TunnelKind kind, byte depth = 1, bool outerV6 = false, ushort outerVlan = 0)
    {
        Assert.True(segment.IsTunnelled);
        Assert.Equal(depth, segment.TunnelDepth);
        Assert.Equal(kind, segment.OuterTunnelKind);
        Assert.Equal(outerV6 ? OuterV6Source : OuterV4Source, IpAddress128.Format(segment.OuterSource));
        Assert.Equal(outerV6 ? OuterV6Destination : OuterV4Destination, IpAddress128.Format(segment.OuterDestination));
        Assert.Equal(outerVlan, segment.OuterVlan);
    }

    [Fact]
    public void A_plain_segment_is_not_tunnelled()
    {
        TcpSegment segment = DecodeAssert.Tcp(Ethernet(0x0800, SampleIpv4Tcp()), LinkTypes.Ethernet);
        Assert.False(segment.IsTunnelled);
        Assert.Equal(TunnelKind.None, segment.OuterTunnelKind);
        Assert.Equal(default, segment.OuterSource);
    }

    [Fact]
    public void Ipv4_in_ipv4_describes_the_inner_packet_and_keeps_the_captured_vlan_as_outer()
    {
        TcpSegment segment = Frame("ipip-4in4-vlan");
        DecodeAssert.SampleIpv4(segment, ipOffset: 14 + 4 + 20); // inner TTL 57, IP-ID 0x1234, DF: not the outer 64, 0x4321
        AssertTunnel(segment, TunnelKind.IpInIp, outerVlan: 7);
    }

    [Fact]
    public void Ipv6_in_ipv6_and_the_mixed_versions()
    {
        TcpSegment sixInSix = Frame("ipip-6in6");
        DecodeAssert.SampleIpv6(sixInSix, ipOffset: EthernetAndIpv6);
        AssertTunnel(sixInSix, TunnelKind.IpInIp, outerV6: true);

        TcpSegment sixInFour = DecodeAssert.Tcp(Ethernet(0x0800, OuterIpv4(IPv6InIp, SampleIpv6Tcp())), LinkTypes.Ethernet);
        DecodeAssert.SampleIpv6(sixInFour, ipOffset: EthernetAndIpv4); // IP-ID and DF of the outer IPv4 do not leak in
        AssertTunnel(sixInFour, TunnelKind.IpInIp);

        TcpSegment fourInSix = DecodeAssert.Tcp(OuterIpv6(IPv4InIp, SampleIpv4Tcp()), LinkTypes.Raw);
        DecodeAssert.SampleIpv4(fourInSix, ipOffset: 40);
        AssertTunnel(fourInSix, TunnelKind.IpInIp, outerV6: true);
    }

    [Fact]
    public void Ip_in_ip_whose_inner_version_is_not_the_announced_one_is_malformed() =>
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x0800, OuterIpv4(IPv4InIp, SampleIpv6Tcp())), LinkTypes.Ethernet);

    [Fact]
    public void Gre_with_checksum_key_and_sequence_fields()
    {
        TcpSegment segment = Frame("gre-ckey-seq-ipv6");
        DecodeAssert.SampleIpv6(segment, ipOffset: EthernetAndIpv4 + 16);
        AssertTunnel(segment, TunnelKind.Gre);

        TcpSegment plain = DecodeAssert.Tcp(Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, SampleIpv4Tcp()))), LinkTypes.Ethernet);
        DecodeAssert.SampleIpv4(plain, ipOffset: EthernetAndIpv4 + 4);
    }

    [Fact]
    public void Gre_bridging_reads_the_inner_ethernet_frame_and_its_vlan()
    {
        TcpSegment segment = Frame("gre-bridging-vlan");
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 8 + 14 + 4, vlan: 300);
        AssertTunnel(segment, TunnelKind.Gre);
    }

    [Fact]
    public void Erspan_types_one_two_and_three()
    {
        DecodeAssert.SampleIpv4(Frame("gre-erspan2"), ipOffset: EthernetAndIpv4 + 8 + 8 + 14);
        DecodeAssert.SampleIpv4(Frame("gre-erspan3-platform"), ipOffset: EthernetAndIpv4 + 8 + 12 + 8 + 14);
        AssertTunnel(Frame("gre-erspan3-platform"), TunnelKind.Gre);

        // Type I: no S bit, no ERSPAN header (Zeek's reading of 0x88BE).
        byte[] typeOne = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x88BE, Ethernet(0x0800, SampleIpv4Tcp()))));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(typeOne, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 4 + 14);
        // Type III without the O bit: 12 bytes only.
        byte[] typeThree = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x22EB, Concat(Hex("200a0001 00000000 00000000"), Ethernet(0x0800, SampleIpv4Tcp())))));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(typeThree, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 4 + 12 + 14);
    }

    [Fact]
    public void Pptp_gre_with_and_without_address_and_control_bytes()
    {
        TcpSegment segment = Frame("pptp-ppp-ipv4");
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 16 + 4); // base, key, sequence, acknowledgment; ff 03 00 21
        AssertTunnel(segment, TunnelKind.Gre);

        byte[] bare = Ethernet(0x0800, OuterIpv4(GreProtocol, PptpGre(Concat(U16(0x0057), SampleIpv6Tcp()), sequence: true)));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(bare, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 12 + 2);
        byte[] compressed = Ethernet(0x0800, OuterIpv4(GreProtocol, PptpGre(Concat([0x21], SampleIpv4Tcp()))));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(compressed, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 12 + 1);
    }

    [Fact]
    public void Pptp_acknowledgments_and_ppp_control_messages_are_not_tcp()
    {
        DecodeAssert.Status(DecodeStatus.NotTcp, Ethernet(0x0800, OuterIpv4(GreProtocol, PptpGre([], acknowledgment: 9, sequence: false))), LinkTypes.Ethernet);
        DecodeAssert.Status(DecodeStatus.NotTcp, Ethernet(0x0800, OuterIpv4(GreProtocol, PptpGre(Hex("ff03c021 0101000a")))), LinkTypes.Ethernet);
        // RFC 2637 §4.1: version 1 carries PPP only.
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, SampleIpv4Tcp(), key: 0, version: 1))), LinkTypes.Ethernet);
    }

    [Theory]
    [InlineData(0x8200)]
    [InlineData(0x8210)]
    [InlineData(0x8300)]
    [InlineData(0x8370)]
    [InlineData(0x9000)]
    public void Aruba_gre_carries_802_11_decoded_as_zeek_does(int protocolType)
    {
        byte[] frame = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre((ushort)protocolType,
            LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x0800, SampleIpv4Tcp()), subtype: 8, fromDs: true, toDs: false))));
        TcpSegment segment = DecodeAssert.Tcp(frame, LinkTypes.Ethernet);
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 4 + 26 + 8);
        AssertTunnel(segment, TunnelKind.Gre);
    }

    [Fact]
    public void Aruba_gre_802_11_header_shapes_and_frames_without_ip()
    {
        // QoS data with HT Control: a 30-byte header.
        DecodeAssert.SampleIpv6(Frame("gre-aruba-80211-qos-ipv6"), ipOffset: EthernetAndIpv4 + 4 + 30 + 8);
        // Inside an IP packet, so NotTcp rather than NotIp: a beacon, an encrypted QoS data frame, EAPOL.
        foreach (byte[] inner in new[]
        {
            LinkPacketBuilder.Ieee80211Data(new byte[40], subtype: 8, type: 0),
            LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x0800, SampleIpv4Tcp()), subtype: 8, protectedFrame: true),
            LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x888E, new byte[99])),
        })
        {
            DecodeAssert.Status(DecodeStatus.NotTcp, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x8220, inner))), LinkTypes.Ethernet);
        }
        // A cut 802.11 header inside a whole GRE packet, and 0x8201 (not Aruba's: its low nibble is set) as an EtherType.
        DecodeAssert.Status(DecodeStatus.Truncated, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x8220, Hex("8801")))), LinkTypes.Ethernet);
        byte[] notAruba = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x8201, LinkPacketBuilder.Ieee80211Data(LinkPacketBuilder.Snap(0x0800, SampleIpv4Tcp())))));
        DecodeAssert.Status(DecodeStatus.NotTcp, notAruba, LinkTypes.Ethernet);
    }

    [Fact]
    public void Gre_versions_above_one_and_rfc_1701_routing_are_malformed()
    {
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, SampleIpv4Tcp(), version: 2))), LinkTypes.Ethernet);
        DecodeAssert.Status(DecodeStatus.Malformed, Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, SampleIpv4Tcp(), routing: true))), LinkTypes.Ethernet);
    }

    [Fact]
    public void Gre_in_udp_on_port_4754_is_one_gre_tunnel()
    {
        TcpSegment segment = Frame("gre-in-udp-key");
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 8 + 4 + 4);
        AssertTunnel(segment, TunnelKind.Gre);

        byte[] otherPort = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(51515, 4755, Gre(0x0800, SampleIpv4Tcp(), key: 77))));
        DecodeAssert.Status(DecodeStatus.NotTcp, otherPort, LinkTypes.Ethernet);
    }

    [Fact]
    public void Vxlan_reads_the_inner_ethernet_frame()
    {
        TcpSegment segment = Frame("vxlan-vlan");
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 8 + 8 + 14 + 4, vlan: 300);
        AssertTunnel(segment, TunnelKind.Vxlan);

        byte[] noInstanceFlag = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(50123, 4789, Vxlan(Ethernet(0x0800, SampleIpv4Tcp()), flags: 0))));
        DecodeAssert.Status(DecodeStatus.Malformed, noInstanceFlag, LinkTypes.Ethernet);
    }

    [Fact]
    public void Geneve_skips_its_options_and_follows_the_protocol_type()
    {
        TcpSegment segment = Frame("geneve-options-ipv6");
        DecodeAssert.SampleIpv6(segment, ipOffset: EthernetAndIpv4 + 8 + 8 + 12 + 14);
        AssertTunnel(segment, TunnelKind.Geneve);

        byte[] ipDirectly = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(1000, 6081, Geneve(0x0800, SampleIpv4Tcp()))));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(ipDirectly, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 8 + 8);
        byte[] versionOne = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(1000, 6081, Geneve(0x0800, SampleIpv4Tcp(), version: 1))));
        DecodeAssert.Status(DecodeStatus.Malformed, versionOne, LinkTypes.Ethernet);
    }

    [Fact]
    public void Gtp_u_g_pdus_with_and_without_optional_fields_and_extension_headers()
    {
        TcpSegment segment = Frame("gtpu-extensions-ipv4");
        DecodeAssert.SampleIpv4(segment, ipOffset: EthernetAndIpv4 + 8 + 8 + 4 + 8);
        AssertTunnel(segment, TunnelKind.GtpU);

        byte[] plain = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(2152, 2152, GtpU(SampleIpv6Tcp()))));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(plain, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 8 + 8);
    }

    [Fact]
    public void Gtp_u_signalling_and_broken_headers()
    {
        byte[] Gtp(byte[] gtp) => Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(2152, 2152, gtp)));
        DecodeAssert.Status(DecodeStatus.NotTcp, Gtp(GtpU(U16(0), messageType: 1)), LinkTypes.Ethernet); // echo request
        DecodeAssert.Status(DecodeStatus.NotTcp, Gtp(GtpU([])), LinkTypes.Ethernet);                      // empty G-PDU
        DecodeAssert.Status(DecodeStatus.Malformed, Gtp(Concat([0x50], GtpU(SampleIpv4Tcp())[1..])), LinkTypes.Ethernet); // version 2
        // An extension header of length 0, and a chain longer than the GTP length.
        DecodeAssert.Status(DecodeStatus.Malformed, Gtp(GtpU(SampleIpv4Tcp(), 0x04, optionalAndExtensions: Hex("0000 00 85 00000000"))), LinkTypes.Ethernet);
        DecodeAssert.Status(DecodeStatus.Malformed, Gtp(GtpU(SampleIpv4Tcp(), 0x04, optionalAndExtensions: Hex("0000 00 85"), length: 4)), LinkTypes.Ethernet);
    }

    [Fact]
    public void Teredo_on_its_port_with_authentication_and_origin_indication()
    {
        TcpSegment segment = Frame("teredo-auth-origin");
        DecodeAssert.SampleIpv6(segment, ipOffset: EthernetAndIpv4 + 8 + 19 + 8); // UDP, authentication (4 + 2 + 4 + 8 + 1), origin indication
        AssertTunnel(segment, TunnelKind.Teredo);

        byte[] notTeredo = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3544, 40000, Hex("0badc0ffee0000000000"))));
        DecodeAssert.Status(DecodeStatus.NotTcp, notTeredo, LinkTypes.Ethernet);
    }

    [Fact]
    public void Teredo_between_client_and_relay_is_found_by_its_prefix_as_zeek_does()
    {
        const string client = "2001:0:4136:e378:8000:63bf:3fff:fdd2";
        byte[] ipv6 = Ipv6(SampleTcp(), source: client, destination: "2001:db8::20");
        TcpSegment segment = DecodeAssert.Tcp(Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3797, 32900, ipv6))), LinkTypes.Ethernet);
        Assert.Equal(client, IpAddress128.Format(segment.SourceAddress));
        Assert.Equal(EthernetAndIpv4 + 8, segment.IpHeaderOffset);
        AssertTunnel(segment, TunnelKind.Teredo);

        // Without the Teredo prefix, or with a UDP length the IPv6 length does not account for, it is just UDP.
        DecodeAssert.Status(DecodeStatus.NotTcp, Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3797, 32900, SampleIpv6Tcp()))), LinkTypes.Ethernet);
        DecodeAssert.Status(DecodeStatus.NotTcp, Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3797, 32900, Concat(ipv6, [0])))), LinkTypes.Ethernet);
    }

    [Fact]
    public void Teredo_bubbles_are_not_tcp() =>
        DecodeAssert.Status(DecodeStatus.NotTcp,
            Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(3797, 3544, Ipv6([], nextHeader: 59, source: "2001:0:4136:e378:8000:63bf:3fff:fdd2")))), LinkTypes.Ethernet);

    [Fact]
    public void Ayiya_forwards_ipv6_and_ipv4_by_its_next_header()
    {
        TcpSegment segment = Frame("ayiya-ipv6-over-ipv6");
        DecodeAssert.SampleIpv6(segment, ipOffset: 40 + 8 + 8 + 16 + 20);
        AssertTunnel(segment, TunnelKind.Ayiya, outerV6: true);

        byte[] ipv4 = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(40000, 5072, Ayiya(SampleIpv4Tcp(), IPv4InIp))));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(ipv4, LinkTypes.Ethernet), ipOffset: EthernetAndIpv4 + 8 + 44);
        byte[] heartbeat = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(40000, 5072, Ayiya([], 59, opCode: 0))));
        DecodeAssert.Status(DecodeStatus.NotTcp, heartbeat, LinkTypes.Ethernet);
    }

    public static TheoryData<string, byte[]> NonTcpInsideTunnels() => new()
    {
        { "udp in gre", Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, Ipv4(new byte[12], protocol: UdpProtocol)))) },
        { "arp in vxlan", Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(1, 4789, Vxlan(Ethernet(0x0806, new byte[28]))))) },
        { "icmpv6 in ipv6 in ipv4", Ethernet(0x0800, OuterIpv4(IPv6InIp, Ipv6(new byte[8], nextHeader: 58))) },
        { "lldp in geneve", Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(1, 6081, Geneve(0x88CC, new byte[20])))) },
        { "udp in gtp-u", Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(2152, 2152, GtpU(Ipv4(new byte[8], protocol: UdpProtocol))))) },
        { "plain udp", Ethernet(0x0800, Ipv4(new byte[12], protocol: UdpProtocol)) },
    };

    [Theory]
    [MemberData(nameof(NonTcpInsideTunnels))]
    public void What_tunnels_carry_other_than_tcp_is_not_tcp(string name, byte[] frame)
    {
        DecodeStatus status = PacketDecoder.Decode(frame, LinkTypes.Ethernet, 0, out _);
        Assert.True(status == DecodeStatus.NotTcp, $"{name}: {status}");
    }

    private static byte[] GreChain(int tunnels)
    {
        byte[] packet = SampleIpv4Tcp();
        for (int i = 0; i < tunnels; i++)
        {
            packet = OuterIpv4(GreProtocol, Gre(0x0800, packet));
        }
        return Ethernet(0x0800, packet);
    }

    [Fact]
    public void Gre_in_gre_is_followed_to_the_depth_limit_and_no_deeper()
    {
        TcpSegment deepest = DecodeAssert.Tcp(GreChain(PacketDecoder.MaxTunnelDepth), LinkTypes.Ethernet);
        DecodeAssert.SampleIpv4(deepest, ipOffset: 14 + (PacketDecoder.MaxTunnelDepth * 24));
        AssertTunnel(deepest, TunnelKind.Gre, depth: PacketDecoder.MaxTunnelDepth);

        DecodeAssert.Status(DecodeStatus.TunnelNotFollowed, GreChain(PacketDecoder.MaxTunnelDepth + 1), LinkTypes.Ethernet);
        byte[] vxlanAroundChain = Ethernet(0x0800, OuterIpv4(UdpProtocol, Udp(1, 4789, Vxlan(GreChain(PacketDecoder.MaxTunnelDepth)))));
        DecodeAssert.Status(DecodeStatus.TunnelNotFollowed, vxlanAroundChain, LinkTypes.Ethernet);
    }

    [Theory]
    [MemberData(nameof(TunnelFrameNames))]
    public void Cut_inside_any_header_of_a_tunnel_is_truncated(string name)
    {
        var (_, linkType, frame) = TunnelFrames().Single(sample => sample.Name == name);
        TcpSegment whole = DecodeAssert.Tcp(frame, linkType);
        for (int cut = 0; cut < whole.TcpHeaderOffset + TcpHeader.MinimumLength; cut++)
        {
            DecodeStatus status = PacketDecoder.Decode(frame.AsSpan(0, cut), linkType, 0, out _);
            Assert.True(status == DecodeStatus.Truncated, $"{name} cut at {cut}: {status}");
        }
    }

    public static TheoryData<string> TunnelFrameNames()
    {
        var names = new TheoryData<string>();
        foreach (var sample in TunnelFrames())
        {
            names.Add(sample.Name);
        }
        return names;
    }

    [Fact]
    public void An_outer_first_fragment_that_cuts_the_inner_tcp_header_is_a_fragment()
    {
        byte[] inner = SampleIpv4Tcp();
        byte[] firstFragment = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, inner[..28]), moreFragments: true));
        DecodeAssert.Status(DecodeStatus.Fragment, firstFragment, LinkTypes.Ethernet);
        byte[] laterFragment = Ethernet(0x0800, OuterIpv4(GreProtocol, inner[28..], fragmentOffsetUnits: 4));
        DecodeAssert.Status(DecodeStatus.Fragment, laterFragment, LinkTypes.Ethernet);

        // A first fragment that holds the whole inner TCP header is that segment, with the payload it holds.
        byte[] holdsHeader = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, inner[..48]), moreFragments: true));
        TcpSegment segment = DecodeAssert.Tcp(holdsHeader, LinkTypes.Ethernet);
        Assert.Equal(16, segment.PayloadLength);
        Assert.Equal(4, segment.CapturedPayloadLength);
    }

    [Fact]
    public void A_payload_cut_by_outer_fragmentation_is_told_from_one_cut_by_the_snapshot_length()
    {
        // Zeek reassembles the outer packet before TCP sees it; the tracker must not take the first
        // fragment's short payload for a snaplen-truncated one (which Zeek never hands to reassembly).
        byte[] inner = SampleIpv4Tcp();
        byte[] firstFragment = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, inner[..48]), moreFragments: true));
        Assert.True(DecodeAssert.Tcp(firstFragment, LinkTypes.Ethernet).CutByOuterFragmentation);

        byte[] whole = Ethernet(0x0800, OuterIpv4(GreProtocol, Gre(0x0800, inner)));
        byte[] cutBySnaplen = whole[..(whole.Length - 12)];
        TcpSegment snapped = DecodeAssert.Tcp(cutBySnaplen, LinkTypes.Ethernet);
        Assert.True(snapped.CapturedPayloadLength < snapped.PayloadLength);
        Assert.False(snapped.CutByOuterFragmentation);
        Assert.False(DecodeAssert.Tcp(whole, LinkTypes.Ethernet).CutByOuterFragmentation);
        Assert.False(DecodeAssert.Tcp(Ethernet(0x0800, inner), LinkTypes.Ethernet).CutByOuterFragmentation);
    }
}
