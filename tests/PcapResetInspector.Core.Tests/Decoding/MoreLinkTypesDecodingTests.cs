using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.LinkPacketBuilder;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;
using static PcapResetInspector.Core.Tests.Decoding.TunnelPacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>FDDI, NFLOG, PPP in HDLC framing, and the LLC/SNAP, VN-Tag, PBB and FabricPath headers inside Ethernet.</summary>
public class MoreLinkTypesDecodingTests
{
    private const byte AfInet = 2, AfInet6 = 10;

    /// <summary>I-TAG of IEEE 802.1ah: priority 3, I-SID 0x00ABCD.</summary>
    private static readonly byte[] PbbITag = Hex("6000abcd");

    /// <summary>One frame per link or shim, joining the cut-at-every-byte, fuzzing and allocation tests.</summary>
    public static IEnumerable<(string Name, int LinkType, byte[] Frame)> LinkFrames()
    {
        yield return ("fddi-snap-ipv4", LinkTypes.Fddi, Fddi(Snap(0x0800, SampleIpv4Tcp())));
        yield return ("nflog-ipv6-little-endian", LinkTypes.Nflog, Nflog(AfInet6, SampleIpv6Tcp()));
        yield return ("nflog-ipv4-big-endian", LinkTypes.Nflog, Nflog(AfInet, SampleIpv4Tcp(), bigEndian: true));
        yield return ("ppp-hdlc-ipv4", LinkTypes.PppHdlc, Concat(Hex("ff030021"), SampleIpv4Tcp()));
        yield return ("ppp-hdlc-cisco-ipv6", LinkTypes.PppHdlc, Concat(Hex("8f0086dd"), SampleIpv6Tcp()));
        yield return ("ppp-mpls-ipv4", LinkTypes.Ppp, Concat(Hex("ff030281"), MplsLabel(16, bottomOfStack: true), SampleIpv4Tcp()));
        yield return ("ethernet-8023-snap-ipv4", LinkTypes.Ethernet, Ieee8023(Snap(0x0800, SampleIpv4Tcp())));
        yield return ("vlan-8023-snap-ipv6", LinkTypes.Ethernet, VlanTagged8023(12, Snap(0x86DD, SampleIpv6Tcp())));
        yield return ("pbb-customer-vlan-ipv4", LinkTypes.Ethernet,
            Ethernet(0x88A8, Concat(VlanTag(100, 0x88E7), PbbITag, Ethernet(0x8100, Concat(VlanTag(7, 0x0800), SampleIpv4Tcp())))));
        yield return ("vntag-ipv4", LinkTypes.Ethernet, Ethernet(0x8926, Concat(Hex("80010002"), U16(0x0800), SampleIpv4Tcp())));
        yield return ("fabricpath-ipv6", LinkTypes.Ethernet, FabricPath(Ethernet(0x86DD, SampleIpv6Tcp())));
    }

    private static TcpSegment Frame(string name)
    {
        var (_, linkType, frame) = LinkFrames().Single(sample => sample.Name == name);
        return DecodeAssert.Tcp(frame, linkType);
    }

    /// <summary>An 802.1Q tag whose next field is the length of the 802.3 LLC PDU after it.</summary>
    private static byte[] VlanTagged8023(int vlanId, byte[] llcPdu) => Ethernet(0x8100, Concat(VlanTag(vlanId, (ushort)llcPdu.Length), llcPdu));

    /// <summary>Cisco FabricPath: outer switch addresses, EtherType 0x8903, FTag and TTL, then the classic frame.</summary>
    private static byte[] FabricPath(byte[] classicFrame) => Concat(Hex("020000000010 020000000011"), U16(0x8903), U16(0x0120), classicFrame);

    [Fact]
    public void Fddi_llc_snap_ipv4_and_ipv6()
    {
        DecodeAssert.SampleIpv4(Frame("fddi-snap-ipv4"), ipOffset: 13 + 8);
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(Fddi(Snap(0x86DD, SampleIpv6Tcp())), LinkTypes.Fddi), ipOffset: 13 + 8);
    }

    [Theory]
    [InlineData(0x50)] // asynchronous LLC, priority 0
    [InlineData(0x57)] // asynchronous LLC, priority 7
    [InlineData(0xD0)] // synchronous LLC
    public void Fddi_llc_frame_controls_carry_ip(int frameControl)
    {
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Fddi(Snap(0x0800, SampleIpv4Tcp()), (byte)frameControl), LinkTypes.Fddi), ipOffset: 21);
    }

    [Theory]
    [InlineData(0x41)] // SMT
    [InlineData(0x80)] // MAC token
    [InlineData(0x10)] // LLC with 16-bit addresses: not the header LINKTYPE_FDDI describes
    [InlineData(0x60)] // implementor frame
    public void Fddi_smt_mac_and_other_frames_are_not_ip(int frameControl)
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Fddi(Snap(0x0800, SampleIpv4Tcp()), (byte)frameControl), LinkTypes.Fddi);
    }

    [Fact]
    public void Fddi_reads_llc_as_ieee_802_2_says()
    {
        // RFC 1042 with the 802.1H bridge-tunnel OUI, and IPv4 on its own SAP (6) without SNAP.
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Fddi(Snap(0x0800, SampleIpv4Tcp(), oui: 0x0000F8)), LinkTypes.Fddi), ipOffset: 21);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Fddi(Concat(Hex("060603"), SampleIpv4Tcp())), LinkTypes.Fddi), ipOffset: 16);
        // An I-format control field is two bytes long.
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Fddi(Concat(Hex("aaaa0000 000000 0800"), SampleIpv4Tcp())), LinkTypes.Fddi), ipOffset: 22);
        // ARP over SNAP, CDP (Cisco OUI), spanning tree (SAP 0x42), NetBIOS (SAP 0xF0).
        DecodeAssert.Status(DecodeStatus.NotIp, Fddi(Snap(0x0806, new byte[28])), LinkTypes.Fddi);
        DecodeAssert.Status(DecodeStatus.NotIp, Fddi(Snap(0x2000, SampleIpv4Tcp(), oui: 0x00000C)), LinkTypes.Fddi);
        DecodeAssert.Status(DecodeStatus.NotIp, Fddi(Concat(Hex("424203"), SampleIpv4Tcp())), LinkTypes.Fddi);
        DecodeAssert.Status(DecodeStatus.NotIp, Fddi(Concat(Hex("f0f003"), SampleIpv4Tcp())), LinkTypes.Fddi);
    }

    [Fact]
    public void Fddi_cut_in_the_mac_header_or_the_llc_header_is_truncated()
    {
        byte[] frame = Fddi(Snap(0x0800, SampleIpv4Tcp()));
        foreach (int cut in new[] { 0, 12, 13, 15, 16, 20 })
        {
            DecodeAssert.Status(DecodeStatus.Truncated, frame[..cut], LinkTypes.Fddi);
        }
        // Three bytes of padding before the header (Tru64) are not assumed: the "frame control" 0x00 is not LLC.
        DecodeAssert.Status(DecodeStatus.NotIp, Concat([0, 0, 0], frame), LinkTypes.Fddi);
    }

    [Fact]
    public void Nflog_skips_padded_tlvs_to_the_payload_in_either_byte_order()
    {
        // Header 4, NFULA_PACKET_HDR 8, NFULA_PREFIX 7 padded to 8, NFULA_PAYLOAD's TLV header 4.
        DecodeAssert.SampleIpv6(Frame("nflog-ipv6-little-endian"), ipOffset: 4 + 8 + 8 + 4);
        DecodeAssert.SampleIpv4(Frame("nflog-ipv4-big-endian"), ipOffset: 4 + 8 + 8 + 4);
    }

    [Fact]
    public void Nflog_payload_ends_where_its_tlv_ends()
    {
        // A TLV after the payload (the decoder stops at the payload), and a nested NFULA_VLAN (type 0x8014) before it.
        byte[] frame = Concat([AfInet, 0], U16(0), NflogTlv(0x8014, new byte[8]), NflogTlv(9, SampleIpv4Tcp()), NflogTlv(3, new byte[8]));
        TcpSegment segment = DecodeAssert.Tcp(frame, LinkTypes.Nflog);
        DecodeAssert.SampleIpv4(segment, ipOffset: 4 + 12 + 4);
        // The payload TLV says it holds 30 bytes: the IP packet inside is cut there.
        byte[] shortTlv = Concat([AfInet, 0], U16(0), NflogTlv(9, SampleIpv4Tcp(), length: 4 + 30));
        DecodeAssert.Status(DecodeStatus.Truncated, shortTlv, LinkTypes.Nflog);
    }

    [Fact]
    public void Nflog_families_other_than_inet_and_inet6_are_not_ip()
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Nflog(7, SampleIpv4Tcp()), LinkTypes.Nflog);  // NFPROTO_BRIDGE
        DecodeAssert.Status(DecodeStatus.NotIp, Nflog(0, SampleIpv4Tcp()), LinkTypes.Nflog);  // NFPROTO_UNSPEC
        DecodeAssert.Status(DecodeStatus.Malformed, Nflog(AfInet, SampleIpv6Tcp()), LinkTypes.Nflog);
    }

    [Fact]
    public void Nflog_bad_versions_and_tlv_lengths()
    {
        byte[] frame = Nflog(AfInet, SampleIpv4Tcp());
        byte[] version1 = (byte[])frame.Clone();
        version1[1] = 1;
        DecodeAssert.Status(DecodeStatus.Malformed, version1, LinkTypes.Nflog);
        // A TLV shorter than its own header.
        DecodeAssert.Status(DecodeStatus.Malformed, Concat([AfInet, 0], U16(0), NflogTlv(1, [], length: 2), NflogTlv(9, SampleIpv4Tcp())), LinkTypes.Nflog);
        // A TLV longer than the frame (Zeek's nflog-bad-tlv-len.pcap), and TLVs that end without a payload.
        DecodeAssert.Status(DecodeStatus.Truncated, Concat([AfInet, 0], U16(0), NflogTlv(1, new byte[4], length: 400)), LinkTypes.Nflog);
        DecodeAssert.Status(DecodeStatus.Truncated, Concat([AfInet, 0], U16(0), NflogTlv(1, new byte[4])), LinkTypes.Nflog);
        DecodeAssert.Status(DecodeStatus.Truncated, frame[..3], LinkTypes.Nflog);
    }

    [Fact]
    public void Ppp_hdlc_is_ppp_or_cisco_hdlc_by_its_first_byte()
    {
        DecodeAssert.SampleIpv4(Frame("ppp-hdlc-ipv4"), ipOffset: 4);
        DecodeAssert.SampleIpv6(Frame("ppp-hdlc-cisco-ipv6"), ipOffset: 4);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Concat(Hex("0f000800"), SampleIpv4Tcp()), LinkTypes.PppHdlc), ipOffset: 4);
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(Hex("ff03c021"), Hex("01010004")), LinkTypes.PppHdlc); // LCP
        DecodeAssert.Status(DecodeStatus.NotIp, Concat(Hex("8f008035"), new byte[20]), LinkTypes.PppHdlc); // SLARP
        DecodeAssert.Status(DecodeStatus.Truncated, [], LinkTypes.PppHdlc);
        DecodeAssert.Status(DecodeStatus.Truncated, Hex("ff03"), LinkTypes.PppHdlc);
    }

    [Fact]
    public void Mpls_over_ppp_is_followed()
    {
        DecodeAssert.SampleIpv4(Frame("ppp-mpls-ipv4"), ipOffset: 8);
        byte[] multicastTwoLabels = Concat(Hex("ff030283"), MplsLabel(3, false), MplsLabel(16, true), SampleIpv6Tcp());
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(multicastTwoLabels, LinkTypes.PppHdlc), ipOffset: 12);
    }

    [Fact]
    public void Ieee_8023_frames_with_snap_carry_ip()
    {
        DecodeAssert.SampleIpv4(Frame("ethernet-8023-snap-ipv4"), ipOffset: 14 + 8);
        DecodeAssert.SampleIpv6(Frame("vlan-8023-snap-ipv6"), ipOffset: 18 + 8, vlan: 12);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(Ieee8023(Concat(Hex("060603"), SampleIpv4Tcp())), LinkTypes.Ethernet), ipOffset: 17);
        // SNAP announcing a VLAN tag, whose next field is an EtherType again.
        byte[] snapVlan = Ieee8023(Snap(0x8100, Concat(VlanTag(33, 0x0800), SampleIpv4Tcp())));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(snapVlan, LinkTypes.Ethernet), ipOffset: 26, vlan: 33);
    }

    [Fact]
    public void Ieee_8023_frames_of_other_llc_and_novell_raw_are_not_ip()
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee8023(Concat(Hex("424203 0000 00"), new byte[32])), LinkTypes.Ethernet); // STP
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee8023(Concat(Hex("ffff 0030"), new byte[44])), LinkTypes.Ethernet);     // IPX
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee8023(Snap(0x2000, new byte[40], oui: 0x00000C)), LinkTypes.Ethernet); // CDP
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee8023(Snap(0x809B, new byte[40], oui: 0x080007)), LinkTypes.Ethernet); // AppleTalk
        // 1501-1535 are neither lengths nor EtherTypes.
        DecodeAssert.Status(DecodeStatus.NotIp, Ethernet(0x05DD, Snap(0x0800, SampleIpv4Tcp())), LinkTypes.Ethernet);
    }

    [Fact]
    public void Ieee_8023_llc_cut_short_is_truncated()
    {
        byte[] frame = Ieee8023(Snap(0x0800, SampleIpv4Tcp()));
        foreach (int cut in new[] { 14, 16, 17, 21 })
        {
            DecodeAssert.Status(DecodeStatus.Truncated, frame[..cut], LinkTypes.Ethernet);
        }
    }

    [Fact]
    public void A_small_gre_protocol_type_is_not_an_8023_length()
    {
        // GRE's protocol type is only ever an EtherType (RFC 2784 §2.4): 0x0010 announces nothing, LLC or not.
        byte[] frame = Ethernet(0x0800, OuterIpv4(47, Gre(0x0010, Snap(0x0800, SampleIpv4Tcp()))));
        DecodeAssert.Status(DecodeStatus.NotTcp, frame, LinkTypes.Ethernet);
    }

    [Fact]
    public void Pbb_reads_the_customer_frame_after_the_i_tag()
    {
        DecodeAssert.SampleIpv4(Frame("pbb-customer-vlan-ipv4"), ipOffset: 18 + 4 + 14 + 4, vlan: 100, innerVlan: 7);
        byte[] untagged = Ethernet(0x88E7, Concat(PbbITag, Ethernet(0x86DD, SampleIpv6Tcp())));
        DecodeAssert.SampleIpv6(DecodeAssert.Tcp(untagged, LinkTypes.Ethernet), ipOffset: 14 + 4 + 14);
        DecodeAssert.Status(DecodeStatus.NotIp, Ethernet(0x88E7, Concat(PbbITag, Ethernet(0x0806, new byte[28]))), LinkTypes.Ethernet);
        foreach (int cut in new[] { 14, 17, 18, 31 })
        {
            DecodeAssert.Status(DecodeStatus.Truncated, untagged[..cut], LinkTypes.Ethernet);
        }
    }

    [Fact]
    public void Vn_tag_alone_and_between_vlan_tags()
    {
        DecodeAssert.SampleIpv4(Frame("vntag-ipv4"), ipOffset: 14 + 6);
        // Zeek's vntag_vlan_sandwich: a VLAN tag, a VN-Tag, another VLAN tag.
        byte[] sandwich = Ethernet(0x8100, Concat(VlanTag(10, 0x8926), Hex("80010002"), U16(0x8100), VlanTag(20, 0x0800), SampleIpv4Tcp()));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(sandwich, LinkTypes.Ethernet), ipOffset: 14 + 4 + 6 + 4, vlan: 10, innerVlan: 20);
        DecodeAssert.Status(DecodeStatus.Truncated, Ethernet(0x8926, Hex("80010002 08")), LinkTypes.Ethernet);
    }

    [Fact]
    public void Cisco_fabricpath_reads_the_classic_frame_after_its_header()
    {
        DecodeAssert.SampleIpv6(Frame("fabricpath-ipv6"), ipOffset: 16 + 14);
        byte[] frame = FabricPath(Ethernet(0x8100, Concat(VlanTag(3, 0x0800), SampleIpv4Tcp())));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 16 + 18, vlan: 3);
        DecodeAssert.Status(DecodeStatus.Truncated, frame[..29], LinkTypes.Ethernet);
    }

    [Fact]
    public void Thousands_of_stacked_shims_are_walked_without_recursion()
    {
        // Each VN-Tag announces another; a recursive decoder would run out of stack long before the IP header.
        const int Tags = 20_000;
        var shims = new List<byte[]>();
        for (int i = 0; i < Tags; i++)
        {
            shims.Add(Concat(Hex("80010002"), U16(i == Tags - 1 ? 0x0800 : 0x8926)));
        }
        byte[] frame = Ethernet(0x8926, Concat([.. shims, SampleIpv4Tcp()]));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ethernet), ipOffset: 14 + (6 * Tags));
    }
}
