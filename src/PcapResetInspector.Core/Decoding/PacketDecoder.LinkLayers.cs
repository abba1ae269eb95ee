using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Decoding;

// Link layers, as described by the tcpdump.org link-type registry (https://www.tcpdump.org/linktypes.html).
public static partial class PacketDecoder
{
    private const int EthernetHeaderLength = 14;
    private const int EthernetTypeOffset = 12;
    /// <summary>After the TPID: 2-byte TCI, then the next EtherType (IEEE 802.1Q §9.6).</summary>
    private const int VlanTagLength = 4;
    private const ushort VlanIdMask = 0x0FFF;
    /// <summary>RFC 3032 §2.1: label 20 bits, TC 3 bits, S 1 bit, TTL 8 bits.</summary>
    private const int MplsLabelLength = 4;
    private const byte MplsBottomOfStackBit = 0x01;
    /// <summary>RFC 2516 §4: ver/type, code, session id, length, then the PPP protocol.</summary>
    private const int PppoeHeaderLength = 6;
    private const int PppProtocolLength = 2;
    private const byte PppAddressAllStations = 0xFF;
    private const byte PppControlUnnumbered = 0x03;
    private const int NullHeaderLength = 4;
    private const int SllHeaderLength = 16;
    private const int SllProtocolOffset = 14;
    private const int Sll2HeaderLength = 20;
    private const int Sll2ProtocolOffset = 0;
    private const int CiscoHdlcHeaderLength = 4;
    private const int CiscoHdlcProtocolOffset = 2;
    /// <summary>PPI: version, flags, little-endian header length, little-endian DLT of what follows.</summary>
    private const int PpiFixedHeaderLength = 8;
    private const int PpiHeaderLengthOffset = 2;
    private const int PpiLinkTypeOffset = 4;

    private static DecodeStatus DecodeLinkLayer(ReadOnlySpan<byte> frame, int offset, int linkType, bool insidePpi, ref TcpSegment segment) =>
        linkType switch
        {
            LinkTypes.Ethernet => DecodeEthernet(frame, offset, ref segment),
            LinkTypes.Raw or LinkTypes.RawBsd12 or LinkTypes.RawBsd14 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPByVersion, ref segment),
            LinkTypes.Ipv4 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv4, ref segment),
            LinkTypes.Ipv6 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv6, ref segment),
            LinkTypes.Null => DecodeNull(frame, offset, networkByteOrder: false, ref segment),
            LinkTypes.Loop => DecodeNull(frame, offset, networkByteOrder: true, ref segment),
            LinkTypes.LinuxSll => DecodeHeaderThenEtherType(frame, offset, SllHeaderLength, SllProtocolOffset, ref segment),
            LinkTypes.LinuxSll2 => DecodeHeaderThenEtherType(frame, offset, Sll2HeaderLength, Sll2ProtocolOffset, ref segment),
            // Cisco HDLC: address, control, then an EtherType (tcpdump.org registry, LINKTYPE_C_HDLC).
            LinkTypes.CiscoHdlc => DecodeHeaderThenEtherType(frame, offset, CiscoHdlcHeaderLength, CiscoHdlcProtocolOffset, ref segment),
            LinkTypes.Ppp => DecodePpp(frame, offset, ref segment),
            LinkTypes.PppHdlc => DecodePppHdlc(frame, offset, ref segment),
            LinkTypes.Ppi when !insidePpi => DecodePpi(frame, offset, ref segment),
            LinkTypes.Fddi => DecodeFddi(frame, offset, ref segment),
            LinkTypes.Nflog => DecodeNflog(frame, offset, ref segment),
            LinkTypes.Ieee80211 => DecodeIeee80211(frame, offset, dataPad: false, ref segment),
            LinkTypes.Ieee80211Radiotap => DecodeRadiotap(frame, offset, ref segment),
            LinkTypes.PrismHeader => DecodePrism(frame, offset, ref segment),
            LinkTypes.Ieee80211Avs => DecodeAvs(frame, offset, ref segment),
            _ => DecodeStatus.UnsupportedLinkType,
        };

    /// <summary>
    /// IEEE 802.3 §3.2.6: a type field of 1500 or less is a length, and an IEEE 802.2 LLC PDU follows (Novell's raw
    /// 802.3, ff ff, is not LLC and not IP). Cisco FabricPath (EtherType 0x8903, as Zeek's Ethernet analyzer reads
    /// it) puts a 2-byte FTag/TTL and then the whole classic Ethernet header in front of the frame.
    /// </summary>
    private static DecodeStatus DecodeEthernet(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < EthernetHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + EthernetTypeOffset)..]);
        if (etherType == EtherTypeCiscoFabricPath)
        {
            offset += FabricPathHeaderLength;
            if (frame.Length - offset < EthernetHeaderLength)
            {
                return DecodeStatus.Truncated;
            }
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + EthernetTypeOffset)..]);
        }
        return DecodeEtherType(frame, offset + EthernetHeaderLength, etherType, lengthMeansLlc: true, ref segment);
    }

    /// <summary>A fixed-size link header with an EtherType in it (SLL, SLL2, Cisco HDLC): no 802.3 length there.</summary>
    private static DecodeStatus DecodeHeaderThenEtherType(ReadOnlySpan<byte> frame, int offset, int headerLength, int etherTypeOffset, ref TcpSegment segment)
    {
        if (frame.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + etherTypeOffset)..]);
        return DecodeEtherType(frame, offset + headerLength, etherType, ref segment);
    }

    /// <param name="offset">Where the bytes announced by <paramref name="etherType"/> start.</param>
    private static DecodeStatus DecodeEtherType(ReadOnlySpan<byte> frame, int offset, ushort etherType, ref TcpSegment segment) =>
        DecodeEtherType(frame, offset, etherType, lengthMeansLlc: false, ref segment);

    /// <summary>
    /// Walks the tags and shims that announce another EtherType (VLAN, VN-Tag, PBB, an LLC/SNAP header) in one
    /// loop, each step consuming bytes, so no frame can make it recurse; then decodes what the last one announces.
    /// </summary>
    /// <param name="lengthMeansLlc">
    /// A value of 1500 or less is an IEEE 802.3 length with LLC after it: true after an Ethernet header, and after
    /// any tag; false where the field is only an EtherType (GRE, SLL, Cisco HDLC, SNAP itself).
    /// </param>
    private static DecodeStatus DecodeEtherType(ReadOnlySpan<byte> frame, int offset, ushort etherType, bool lengthMeansLlc, ref TcpSegment segment)
    {
        int tagCount = 0;
        while (true)
        {
            int remaining = frame.Length - offset;
            if (etherType is EtherTypes.Vlan8021Q or EtherTypes.Vlan8021ad or EtherTypes.VlanQinQLegacy)
            {
                if (remaining < VlanTagLength)
                {
                    return DecodeStatus.Truncated;
                }
                ushort vlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & VlanIdMask);
                if (tagCount == 0)
                {
                    segment.Vlan = vlanId;
                }
                else if (tagCount == 1)
                {
                    segment.InnerVlan = vlanId;
                }
                tagCount++;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                offset += VlanTagLength;
            }
            else if (etherType == EtherTypeVnTag)
            {
                // Cisco VN-Tag (IEEE 802.1Qbh draft; Zeek's vntag analyzer): a 4-byte tag, then the next EtherType.
                if (remaining < VnTagLength)
                {
                    return DecodeStatus.Truncated;
                }
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + VnTagLength - 2)..]);
                offset += VnTagLength;
            }
            else if (etherType == EtherTypePbb)
            {
                // IEEE 802.1ah §9.7: the 4-byte I-TAG, then the customer's Ethernet header (C-DA, C-SA, EtherType).
                if (remaining < PbbITagLength + EthernetHeaderLength)
                {
                    return DecodeStatus.Truncated;
                }
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + PbbITagLength + EthernetTypeOffset)..]);
                offset += PbbITagLength + EthernetHeaderLength;
            }
            else if (etherType <= Ieee8023MaximumLength && lengthMeansLlc)
            {
                LlcPayload llc = ReadLlc(frame, ref offset, out etherType);
                if (llc != LlcPayload.EtherType)
                {
                    return llc == LlcPayload.Truncated ? DecodeStatus.Truncated : DecodeStatus.NotIp;
                }
                lengthMeansLlc = false;
                continue;
            }
            else
            {
                break;
            }
            lengthMeansLlc = true;
        }

        return etherType switch
        {
            EtherTypes.IPv4 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv4, ref segment),
            EtherTypes.IPv6 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv6, ref segment),
            EtherTypes.MplsUnicast or EtherTypes.MplsMulticast => DecodeMpls(frame, offset, ref segment),
            EtherTypes.PppoeSession => DecodePppoeSession(frame, offset, ref segment),
            // ARP, LLDP, ...; or, where no 802.3 length is possible, a value below 0x0600.
            _ => DecodeStatus.NotIp,
        };
    }

    /// <summary>RFC 3032 §2.1: labels until bottom of stack; the payload type is not signalled, so guess by the IP version nibble.</summary>
    private static DecodeStatus DecodeMpls(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        while (true)
        {
            if (frame.Length - offset < MplsLabelLength)
            {
                return DecodeStatus.Truncated;
            }
            bool bottomOfStack = (frame[offset + 2] & MplsBottomOfStackBit) != 0;
            offset += MplsLabelLength;
            if (bottomOfStack)
            {
                return DecodeNetworkLayer(frame, offset, NetworkLayer.IPByVersionOrOther, ref segment);
            }
        }
    }

    /// <summary>RFC 2516 §4 (session stage): 6-byte PPPoE header, then a 2-byte PPP protocol.</summary>
    private static DecodeStatus DecodePppoeSession(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < PppoeHeaderLength + PppProtocolLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + PppoeHeaderLength)..]);
        return DecodePppProtocol(frame, offset + PppoeHeaderLength + PppProtocolLength, protocol, ref segment);
    }

    /// <summary>
    /// LINKTYPE_PPP: RFC 1662 framing whose address/control bytes (ff 03) may be absent, and a protocol field
    /// that may be compressed to one byte (RFC 1661 §6.5: a one-byte field is the one with its low bit set).
    /// </summary>
    private static DecodeStatus DecodePpp(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (offset >= frame.Length)
        {
            return DecodeStatus.Truncated;
        }
        if (frame[offset] == PppAddressAllStations)
        {
            if (frame.Length - offset < 2)
            {
                return DecodeStatus.Truncated;
            }
            if (frame[offset + 1] == PppControlUnnumbered)
            {
                offset += 2;
                if (offset >= frame.Length)
                {
                    return DecodeStatus.Truncated;
                }
            }
        }
        if ((frame[offset] & 0x01) != 0)
        {
            return DecodePppProtocol(frame, offset + 1, frame[offset], ref segment);
        }
        if (frame.Length - offset < PppProtocolLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        return DecodePppProtocol(frame, offset + PppProtocolLength, protocol, ref segment);
    }

    private static DecodeStatus DecodePppProtocol(ReadOnlySpan<byte> frame, int offset, ushort protocol, ref TcpSegment segment) =>
        protocol switch
        {
            PppProtocols.IPv4 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv4, ref segment),
            PppProtocols.IPv6 => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv6, ref segment),
            // RFC 3032 §4.3 (Zeek's PPP analyzers register the unicast one).
            PppProtocolMplsUnicast or PppProtocolMplsMulticast => DecodeMpls(frame, offset, ref segment),
            _ => DecodeStatus.NotIp, // LCP, IPCP, CCP, ...
        };

    /// <summary>
    /// LINKTYPE_NULL (host byte order of the capturing machine) and LINKTYPE_LOOP (network order): a 4-byte
    /// address family. AF values are small, so a NULL value with its high half set was written big-endian.
    /// </summary>
    private static DecodeStatus DecodeNull(ReadOnlySpan<byte> frame, int offset, bool networkByteOrder, ref TcpSegment segment)
    {
        if (frame.Length - offset < NullHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        ReadOnlySpan<byte> header = frame[offset..];
        uint family;
        if (networkByteOrder)
        {
            family = BinaryPrimitives.ReadUInt32BigEndian(header);
        }
        else
        {
            family = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if ((family & 0xFFFF_0000) != 0)
            {
                family = BinaryPrimitives.ReverseEndianness(family);
            }
        }
        offset += NullHeaderLength;
        return family switch
        {
            LoopbackAddressFamilies.Inet => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv4, ref segment),
            LoopbackAddressFamilies.Inet6Linux or LoopbackAddressFamilies.Inet6NetBsdOpenBsd
                or LoopbackAddressFamilies.Inet6FreeBsd or LoopbackAddressFamilies.Inet6Darwin
                => DecodeNetworkLayer(frame, offset, NetworkLayer.IPv6, ref segment),
            _ => DecodeStatus.NotIp,
        };
    }

    /// <summary>
    /// LINKTYPE_PPI (Per-Packet Information header spec, CACE Technologies 2007): a little-endian header length
    /// and the DLT of what follows; one level only, a PPI inside PPI is not followed.
    /// </summary>
    private static DecodeStatus DecodePpi(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < PpiFixedHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[(offset + PpiHeaderLengthOffset)..]);
        uint innerLinkType = BinaryPrimitives.ReadUInt32LittleEndian(frame[(offset + PpiLinkTypeOffset)..]);
        if (headerLength < PpiFixedHeaderLength)
        {
            return DecodeStatus.Malformed;
        }
        if (frame.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        if (innerLinkType > int.MaxValue)
        {
            return DecodeStatus.UnsupportedLinkType;
        }
        return DecodeLinkLayer(frame, offset + headerLength, (int)innerLinkType, insidePpi: true, ref segment);
    }
}
