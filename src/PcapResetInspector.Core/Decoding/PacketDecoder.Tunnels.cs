using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

// Tunnels in IP: IP-in-IP, GRE (with PPTP and ERSPAN) and the UDP tunnels (PacketDecoder.UdpTunnels.cs).
// The packet inside is decoded as the connection (Zeek's rule: the inner connection is the connection);
// the segment records how deep it was and the outermost tunnel's kind and endpoints.
public static partial class PacketDecoder
{
    /// <summary>
    /// How many tunnels inside one another are followed; a deeper one is <see cref="DecodeStatus.TunnelNotFollowed"/>.
    /// (Zeek's Tunnel::max_depth is 2; 4 leaves room for, say, GRE inside a VXLAN overlay.)
    /// </summary>
    public const int MaxTunnelDepth = 4;

    /// <summary>RFC 2784 §2.1: flags and version (2 bytes), protocol type (2 bytes).</summary>
    private const int GreBaseHeaderLength = 4;
    /// <summary>Checksum + Reserved1 (RFC 2784 §2.5), Key (RFC 2890 §2.1), Sequence and Acknowledgment numbers: 4 bytes each.</summary>
    private const int GreOptionalFieldLength = 4;
    private const int GreProtocolTypeOffset = 2;
    private const ushort GreChecksumBit = 0x8000;
    /// <summary>RFC 1701's routing present bit: RFC 2784 §2.3 receivers discard such packets.</summary>
    private const ushort GreRoutingBit = 0x4000;
    private const ushort GreKeyBit = 0x2000;
    private const ushort GreSequenceBit = 0x1000;
    /// <summary>RFC 2637 §4.1: acknowledgment number present (version 1 only).</summary>
    private const ushort GreAcknowledgmentBit = 0x0080;
    private const ushort GreVersionMask = 0x0007;
    private const int GreVersionPptp = 1;
    /// <summary>draft-foschiano-erspan-03 §4.2: version, VLAN, COS, En, T, session id, reserved, index.</summary>
    private const int ErspanTypeIIHeaderLength = 8;
    /// <summary>draft-foschiano-erspan-03 §4.3: the 12-byte header, whose last bit (O) announces the platform subheader.</summary>
    private const int ErspanTypeIIIHeaderLength = 12;
    private const int ErspanPlatformSubheaderLength = 8;
    private const byte ErspanOptionalSubheaderBit = 0x01;
    private const ushort ArubaProtocolTypeMask = 0x8200;
    private const ushort ArubaProtocolTypeLowNibble = 0x000F;
    private const ushort ArubaProtocolTypeOther = 0x9000;

    /// <summary>IP protocols whose non-first fragments belong to a tunnel that may carry TCP (UDP ones cannot be told by port).</summary>
    private static bool IsTunnelProtocol(byte protocol) =>
        protocol is IpProtocols.IPv4Encapsulation or IpProtocols.IPv6Encapsulation or IpProtocols.Gre;

    /// <summary>What an IP header announced when it is not TCP: a tunnel to follow, or <see cref="DecodeStatus.NotTcp"/>.</summary>
    /// <param name="packet">The frame cut at the end of the IP packet, so that nothing inside reads the link's padding.</param>
    /// <param name="offset">Where the IP payload starts (after IPv6 extension headers).</param>
    /// <param name="cutByFragmentation">
    /// The IP packet is a first fragment captured whole (RFC 791 §2.3, RFC 8200 §4.5): a tunnelled packet cut at
    /// its end is cut by fragmentation, not by the snapshot length.
    /// </param>
    private static DecodeStatus DecodeIpPayload(ReadOnlySpan<byte> packet, int offset, byte protocol, bool cutByFragmentation, ref TcpSegment segment)
    {
        DecodeStatus status = protocol switch
        {
            IpProtocols.IPv4Encapsulation => DecodeIpInIp(packet, offset, NetworkLayer.IPv4, ref segment),
            IpProtocols.IPv6Encapsulation => DecodeIpInIp(packet, offset, NetworkLayer.IPv6, ref segment),
            IpProtocols.Gre => EnterTunnel(TunnelKind.Gre, ref segment) ? DecodeGre(packet, offset, ref segment) : DecodeStatus.TunnelNotFollowed,
            IpProtocols.Udp => DecodeUdp(packet, offset, ref segment),
            _ => DecodeStatus.NotTcp,
        };
        if (status == DecodeStatus.Tcp && cutByFragmentation)
        {
            segment.CutByOuterFragmentation = true;
        }
        return status == DecodeStatus.Truncated && cutByFragmentation ? DecodeStatus.Fragment : status;
    }

    /// <summary>
    /// Counts one more tunnel. The first records the outer packet (kind, addresses, VLAN); every one clears what
    /// described the outer packet but is not rewritten by the inner IP header, as Zeek builds a fresh inner packet.
    /// </summary>
    /// <returns>False when the tunnel would be deeper than <see cref="MaxTunnelDepth"/>.</returns>
    private static bool EnterTunnel(TunnelKind kind, ref TcpSegment segment)
    {
        if (segment.TunnelDepth >= MaxTunnelDepth)
        {
            return false;
        }
        if (segment.TunnelDepth == 0)
        {
            segment.OuterTunnelKind = kind;
            segment.OuterSource = segment.SourceAddress;
            segment.OuterDestination = segment.DestinationAddress;
            segment.OuterVlan = segment.Vlan;
        }
        segment.TunnelDepth++;
        segment.Vlan = 0;
        segment.InnerVlan = 0;
        segment.IpId = 0;
        segment.DontFragment = false;
        segment.FirstFragment = false;
        return true;
    }

    /// <summary>
    /// The status of what a tunnel carries, as the frame's status: the frame is IP, so a tunnelled ARP frame or
    /// PPP LCP message is <see cref="DecodeStatus.NotTcp"/>, not <see cref="DecodeStatus.NotIp"/>.
    /// </summary>
    private static DecodeStatus Inside(DecodeStatus status) => status == DecodeStatus.NotIp ? DecodeStatus.NotTcp : status;

    /// <summary>RFC 2003 §3 (IPv4 in IPv4), RFC 4213 §3.5 (IPv6 in IPv4), RFC 2473 §3 (either in IPv6).</summary>
    private static DecodeStatus DecodeIpInIp(ReadOnlySpan<byte> packet, int offset, NetworkLayer inner, ref TcpSegment segment) =>
        EnterTunnel(TunnelKind.IpInIp, ref segment)
            ? DecodeNetworkLayer(packet, offset, inner, ref segment)
            : DecodeStatus.TunnelNotFollowed;

    /// <summary>
    /// GRE: RFC 2784 §2 (base header, checksum), RFC 2890 §2 (key, sequence number), RFC 2637 §4.1 (version 1,
    /// PPTP). The protocol type is an EtherType (RFC 2784 §2.4), with ERSPAN and Aruba's types as Zeek's gre
    /// analyzer reads them.
    /// </summary>
    /// <remarks>The caller has entered the tunnel (<see cref="EnterTunnel"/>): GRE comes over IP or over UDP.</remarks>
    private static DecodeStatus DecodeGre(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < GreBaseHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
        ushort protocolType = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + GreProtocolTypeOffset)..]);
        int version = flags & GreVersionMask;
        // RFC 2784 §2.3.1: only version 0 is GRE; RFC 2637 §4.1 adds version 1. The RFC 1701 routing field
        // (§2.3: discarded by RFC 2784 receivers) has a variable length this decoder does not walk.
        if (version > GreVersionPptp || (flags & GreRoutingBit) != 0)
        {
            return DecodeStatus.Malformed;
        }
        int keyOffset = offset + GreBaseHeaderLength + ((flags & GreChecksumBit) != 0 ? GreOptionalFieldLength : 0);
        int headerLength = keyOffset - offset
            + ((flags & GreKeyBit) != 0 ? GreOptionalFieldLength : 0)
            + ((flags & GreSequenceBit) != 0 ? GreOptionalFieldLength : 0)
            + (version == GreVersionPptp && (flags & GreAcknowledgmentBit) != 0 ? GreOptionalFieldLength : 0);
        if (packet.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        int payload = offset + headerLength;
        if (version == GreVersionPptp)
        {
            return DecodePptpGrePayload(packet, payload, flags, protocolType, keyOffset, ref segment);
        }
        return protocolType switch
        {
            // draft-foschiano-erspan-03 §4.1-4.2: type II sets S and has an 8-byte header; type I has neither.
            EtherTypes.ErspanTypeII => (flags & GreSequenceBit) != 0
                ? DecodeErspan(packet, payload, ErspanTypeIIHeaderLength, ref segment)
                : Inside(DecodeEthernet(packet, payload, ref segment)),
            EtherTypes.ErspanTypeIII => DecodeErspanTypeIII(packet, payload, ref segment),
            // Aruba WLAN controllers tunnel IEEE 802.11 frames: Zeek decodes the payload as a packet of link
            // type 802.11 (its GRE analyzer sets gre_link_type to DLT_IEEE802_11 for these types).
            _ when IsArubaProtocolType(protocolType) => Inside(DecodeIeee80211(packet, payload, dataPad: false, ref segment)),
            _ => DecodeTunnelledEtherType(packet, payload, protocolType, ref segment),
        };
    }

    /// <summary>
    /// RFC 2637 §4.1: protocol type 0x880B and the key present, whose high half is the payload length. A packet
    /// that only acknowledges has no payload. The payload is a PPP frame (RFC 1661 §2), with or without the
    /// address and control bytes ff 03 (RFC 1662 §3.1) and possibly a compressed protocol field (RFC 1661 §6.5).
    /// </summary>
    private static DecodeStatus DecodePptpGrePayload(ReadOnlySpan<byte> packet, int offset, ushort flags, ushort protocolType, int keyOffset, ref TcpSegment segment)
    {
        if (protocolType != EtherTypes.PptpPpp || (flags & GreKeyBit) == 0)
        {
            return DecodeStatus.Malformed;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[keyOffset..]);
        if (payloadLength == 0)
        {
            return DecodeStatus.NotTcp;
        }
        int end = Math.Min(packet.Length, offset + payloadLength);
        return Inside(DecodePpp(packet[..end], offset, ref segment));
    }

    /// <summary>An ERSPAN header of a fixed length, then the mirrored Ethernet frame (draft-foschiano-erspan-03 §4).</summary>
    private static DecodeStatus DecodeErspan(ReadOnlySpan<byte> packet, int offset, int headerLength, ref TcpSegment segment) =>
        packet.Length - offset < headerLength
            ? DecodeStatus.Truncated
            : Inside(DecodeEthernet(packet, offset + headerLength, ref segment));

    /// <summary>draft-foschiano-erspan-03 §4.3: 12 bytes, plus the 8-byte platform-specific subheader when O (the last bit) is set.</summary>
    private static DecodeStatus DecodeErspanTypeIII(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < ErspanTypeIIIHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        bool platformSubheader = (packet[offset + ErspanTypeIIIHeaderLength - 1] & ErspanOptionalSubheaderBit) != 0;
        int headerLength = ErspanTypeIIIHeaderLength + (platformSubheader ? ErspanPlatformSubheaderLength : 0);
        return DecodeErspan(packet, offset, headerLength, ref segment);
    }

    /// <summary>
    /// Zeek's test for Aruba's GRE protocol types: 0x8200-style types with a zero low nibble (its 0x83x0 rule is
    /// contained in this one), and 0x9000.
    /// </summary>
    private static bool IsArubaProtocolType(ushort protocolType) =>
        ((protocolType & ArubaProtocolTypeMask) == ArubaProtocolTypeMask && (protocolType & ArubaProtocolTypeLowNibble) == 0)
        || protocolType == ArubaProtocolTypeOther;

    /// <summary>
    /// A tunnel's protocol type that is an EtherType (GRE, RFC 2784 §2.4; Geneve, RFC 8926 §3.4): 0x6558 is a
    /// whole Ethernet frame (transparent Ethernet bridging), anything else is what that EtherType carries.
    /// </summary>
    private static DecodeStatus DecodeTunnelledEtherType(ReadOnlySpan<byte> packet, int offset, ushort protocolType, ref TcpSegment segment) =>
        Inside(protocolType == EtherTypes.TransparentEthernetBridging
            ? DecodeEthernet(packet, offset, ref segment)
            : DecodeEtherType(packet, offset, protocolType, ref segment));
}
