using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

// IEEE 802.2 LLC/SNAP, the Ethernet shims that carry another EtherType (VN-Tag, PBB, FabricPath), and the link
// types FDDI, NFLOG and PPP in HDLC framing, as Zeek's packet_analysis accepts them.
public static partial class PacketDecoder
{
    /// <summary>IEEE 802.3 §3.2.6: a type/length field of at most 1500 is a length; 0x0600 and above an EtherType.</summary>
    private const ushort Ieee8023MaximumLength = 1500;

    /// <summary>IEEE 802.2 §5.2: DSAP, SSAP, control; a U-format control field (low bits 11) is one byte, I and S two.</summary>
    private const int LlcUFormatHeaderLength = 3;
    private const byte LlcUFormatBits = 0x03;
    /// <summary>The low bit of the SSAP tells command from response; it is not part of the SAP.</summary>
    private const byte LlcCommandResponseBit = 0x01;
    /// <summary>IEEE 802 §10.3 (SNAP): the SAP that announces an OUI and a protocol id.</summary>
    private const byte LlcSapSnap = 0xAA;
    /// <summary>The IEEE-assigned SAP of IPv4 ("ARPANET Internet Protocol"), which tshark also decodes as IP.</summary>
    private const byte LlcSapIp = 0x06;
    /// <summary>IEEE 802 §10.3: a 3-byte OUI, then a 2-byte protocol id.</summary>
    private const int SnapHeaderLength = 5;
    /// <summary>RFC 1042: OUI 00-00-00, the protocol id is an EtherType.</summary>
    private const int OuiEncapsulatedEthernet = 0x000000;
    /// <summary>IEEE 802.1H bridge tunnel: OUI 00-00-F8, the protocol id is an EtherType too.</summary>
    private const int OuiBridgeTunnel = 0x0000F8;

    /// <summary>Cisco FabricPath, as Zeek's Ethernet analyzer skips it: 16 bytes, then the classic Ethernet header.</summary>
    private const ushort EtherTypeCiscoFabricPath = 0x8903;
    private const int FabricPathHeaderLength = 16;
    /// <summary>Cisco VN-Tag (Zeek's vntag analyzer): 4 bytes of tag, then the next EtherType.</summary>
    private const ushort EtherTypeVnTag = 0x8926;
    private const int VnTagLength = 6;
    /// <summary>IEEE 802.1ah backbone service instance tag (PBB, "MAC-in-MAC").</summary>
    private const ushort EtherTypePbb = 0x88E7;
    private const int PbbITagLength = 4;

    /// <summary>RFC 3032 §4.3: MPLS over PPP.</summary>
    private const ushort PppProtocolMplsUnicast = 0x0281;
    private const ushort PppProtocolMplsMulticast = 0x0283;
    /// <summary>RFC 1547 §4.3.1: Cisco's HDLC address bytes (unicast, multicast) where PPP would have 0xff.</summary>
    private const byte CiscoHdlcUnicast = 0x0F;
    private const byte CiscoHdlcMulticast = 0x8F;

    /// <summary>ISO 9314-2 §7.3.3: frame control (1 byte), destination and source addresses (6 bytes each).</summary>
    private const int FddiHeaderLength = 13;
    /// <summary>Frame control CLFF ZZZZ: L set (48-bit addresses) and FF = 01 (LLC frame); C (synchronous) may be either.</summary>
    private const byte FddiFrameControlFormatMask = 0x70;
    private const byte FddiFrameControlLlc = 0x50;

    /// <summary>tcpdump.org LINKTYPE_NFLOG: address family, version, resource id (big-endian).</summary>
    private const int NflogHeaderLength = 4;
    private const byte NflogVersion = 0;
    /// <summary>tlv_length (including these 4 bytes) and tlv_type, each 2 bytes in the capturing host's byte order.</summary>
    private const int NflogTlvHeaderLength = 4;
    private const int NflogTlvAlignment = 4;
    /// <summary>NFULA_PAYLOAD: the packet, from its network header on.</summary>
    private const int NflogTypePayload = 9;
    /// <summary>Netlink's NLA_F_NESTED and NLA_F_NET_BYTEORDER bits are not part of the type.</summary>
    private const int NflogTlvTypeMask = 0x3FFF;
    private const byte NflogFamilyInet = 2;
    private const byte NflogFamilyInet6 = 10;

    private enum LlcPayload
    {
        /// <summary>The LLC header announced an EtherType (SNAP) or IPv4 (SAP 6, reported as EtherType 0x0800).</summary>
        EtherType,
        /// <summary>Another SAP or OUI: spanning tree, NetBIOS, IPX, CDP, ...</summary>
        NotIp,
        Truncated,
    }

    /// <summary>
    /// An IEEE 802.2 LLC header at <paramref name="offset"/>: for SNAP with an EtherType OUI, or the IP SAP, moves
    /// <paramref name="offset"/> past the header and returns what follows as an EtherType.
    /// </summary>
    private static LlcPayload ReadLlc(ReadOnlySpan<byte> frame, ref int offset, out ushort etherType)
    {
        etherType = 0;
        if (frame.Length - offset < LlcUFormatHeaderLength)
        {
            return LlcPayload.Truncated;
        }
        byte dsap = frame[offset];
        byte ssap = (byte)(frame[offset + 1] & ~LlcCommandResponseBit);
        int headerLength = LlcUFormatHeaderLength + ((frame[offset + 2] & LlcUFormatBits) == LlcUFormatBits ? 0 : 1);
        if (dsap == LlcSapSnap && ssap == LlcSapSnap)
        {
            if (frame.Length - offset < headerLength + SnapHeaderLength)
            {
                return LlcPayload.Truncated;
            }
            int snap = offset + headerLength;
            int oui = (frame[snap] << 16) | (frame[snap + 1] << 8) | frame[snap + 2];
            if (oui is not (OuiEncapsulatedEthernet or OuiBridgeTunnel))
            {
                return LlcPayload.NotIp;
            }
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(snap + 3)..]);
            offset = snap + SnapHeaderLength;
            return LlcPayload.EtherType;
        }
        if (dsap == LlcSapIp && ssap == LlcSapIp)
        {
            if (frame.Length - offset < headerLength)
            {
                return LlcPayload.Truncated;
            }
            etherType = EtherTypes.IPv4;
            offset += headerLength;
            return LlcPayload.EtherType;
        }
        return LlcPayload.NotIp;
    }

    /// <summary>An LLC PDU on a link whose header has no EtherType (FDDI, IEEE 802.11), decoded by what it announces.</summary>
    private static DecodeStatus DecodeLlc(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment) =>
        ReadLlc(frame, ref offset, out ushort etherType) switch
        {
            LlcPayload.EtherType => DecodeEtherType(frame, offset, etherType, ref segment),
            LlcPayload.Truncated => DecodeStatus.Truncated,
            _ => DecodeStatus.NotIp,
        };

    /// <summary>
    /// LINKTYPE_FDDI (ISO 9314-2): the 13-byte MAC header, then LLC in frames of the LLC format (SMT and MAC frames
    /// are not IP). No 3-byte padding before the header: Zeek never expects it and tshark only on request (its
    /// fddi.padding preference, for Tru64 UNIX captures).
    /// </summary>
    private static DecodeStatus DecodeFddi(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < FddiHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        if ((frame[offset] & FddiFrameControlFormatMask) != FddiFrameControlLlc)
        {
            return DecodeStatus.NotIp;
        }
        return DecodeLlc(frame, offset + FddiHeaderLength, ref segment);
    }

    /// <summary>
    /// LINKTYPE_PPP_HDLC (tcpdump.org registry): PPP in HDLC-like framing (RFC 1662 §3.1, first byte 0xff), or Cisco
    /// PPP with HDLC framing (RFC 1547 §4.3.1, first byte 0x0f or 0x8f), whose header is Cisco HDLC's.
    /// </summary>
    private static DecodeStatus DecodePppHdlc(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (offset >= frame.Length)
        {
            return DecodeStatus.Truncated;
        }
        return frame[offset] is CiscoHdlcUnicast or CiscoHdlcMulticast
            ? DecodeHeaderThenEtherType(frame, offset, CiscoHdlcHeaderLength, CiscoHdlcProtocolOffset, ref segment)
            : DecodePpp(frame, offset, ref segment);
    }

    /// <summary>
    /// LINKTYPE_NFLOG (tcpdump.org registry): a 4-byte header whose family says IPv4 or IPv6, then TLVs padded to 4
    /// bytes until NFULA_PAYLOAD, which holds the packet. TLV lengths and types are in the capturing host's byte
    /// order, which the file does not say here: the first TLV's type (a small NFULA_ number) tells it. A family
    /// other than AF_INET and AF_INET6 is not IP (as in Zeek, which registers only those two).
    /// </summary>
    private static DecodeStatus DecodeNflog(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < NflogHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        byte family = frame[offset];
        if (frame[offset + 1] != NflogVersion)
        {
            return DecodeStatus.Malformed;
        }
        int position = offset + NflogHeaderLength;
        bool bigEndian = frame.Length - position >= NflogTlvHeaderLength && frame[position + 2] == 0 && frame[position + 3] != 0;
        while (true)
        {
            int remaining = frame.Length - position;
            if (remaining < NflogTlvHeaderLength)
            {
                // Also when every TLV was read and none holds the packet: cut before it, or logged with a copy
                // range of 0; either way the headers are not in the capture (Zeek: nflog_no_pcap_payload).
                return DecodeStatus.Truncated;
            }
            ReadOnlySpan<byte> tlv = frame[position..];
            int length = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(tlv) : BinaryPrimitives.ReadUInt16LittleEndian(tlv);
            int type = (bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(tlv[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(tlv[2..]))
                & NflogTlvTypeMask;
            if (length < NflogTlvHeaderLength)
            {
                return DecodeStatus.Malformed;
            }
            if (type == NflogTypePayload)
            {
                ReadOnlySpan<byte> packet = frame[..Math.Min(frame.Length, position + length)];
                int payload = position + NflogTlvHeaderLength;
                return family switch
                {
                    NflogFamilyInet => DecodeNetworkLayer(packet, payload, NetworkLayer.IPv4, ref segment),
                    NflogFamilyInet6 => DecodeNetworkLayer(packet, payload, NetworkLayer.IPv6, ref segment),
                    _ => DecodeStatus.NotIp,
                };
            }
            if (length > remaining)
            {
                return DecodeStatus.Truncated;
            }
            int padded = (length + NflogTlvAlignment - 1) / NflogTlvAlignment * NflogTlvAlignment;
            position += Math.Min(padded, remaining);
        }
    }
}
