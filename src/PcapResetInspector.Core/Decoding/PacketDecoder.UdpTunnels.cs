using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

// Tunnels over UDP, told by their IANA-assigned port (Zeek registers its analyzers on the same ports).
public static partial class PacketDecoder
{
    /// <summary>RFC 768: source port, destination port, length, checksum.</summary>
    private const int UdpHeaderLength = 8;
    private const int UdpDestinationPortOffset = 2;
    private const int UdpLengthOffset = 4;

    /// <summary>RFC 7348 §5: flags, 24 reserved bits, 24-bit VNI, 8 reserved bits.</summary>
    private const int VxlanHeaderLength = 8;
    /// <summary>RFC 7348 §5: the I flag, set for a valid VNI.</summary>
    private const byte VxlanInstanceBit = 0x08;

    /// <summary>RFC 8926 §3.4: version and options length, flags, protocol type, VNI, reserved.</summary>
    private const int GeneveFixedHeaderLength = 8;
    private const int GeneveProtocolTypeOffset = 2;
    private const byte GeneveOptionsLengthMask = 0x3F;
    private const int GeneveVersionShift = 6;

    /// <summary>3GPP TS 29.281 §5.1: flags, message type, length, TEID.</summary>
    private const int GtpMandatoryHeaderLength = 8;
    /// <summary>Sequence number, N-PDU number, next extension header type: present when any of E, S, PN is set.</summary>
    private const int GtpOptionalFieldsLength = 4;
    private const int GtpLengthOffset = 2;
    private const int GtpVersionShift = 5;
    private const int GtpVersion1 = 1;
    private const byte GtpProtocolTypeBit = 0x10;
    private const byte GtpExtensionHeaderBit = 0x04;
    private const byte GtpOptionalFieldsBits = 0x07;
    /// <summary>3GPP TS 29.281 §6.1: G-PDU, the message that carries a user packet.</summary>
    private const byte GtpMessageGPdu = 255;
    /// <summary>3GPP TS 29.281 §5.2.1: extension header lengths count 4-octet units.</summary>
    private const int GtpExtensionLengthUnit = 4;
    private const byte GtpNoMoreExtensionHeaders = 0;

    /// <summary>RFC 4380 §5.1.1: indicator types of the authentication and origin indication headers.</summary>
    private const ushort TeredoAuthenticationIndicator = 0x0001;
    private const ushort TeredoOriginIndicator = 0x0000;
    /// <summary>Indicator, client identifier length, authentication value length.</summary>
    private const int TeredoAuthenticationFixedLength = 4;
    /// <summary>Nonce (8) and confirmation byte (1) after the variable fields.</summary>
    private const int TeredoAuthenticationTrailerLength = 9;
    private const int TeredoOriginIndicationLength = 8;
    /// <summary>RFC 4380 §2.6: the Teredo IPv6 prefix 2001:0000::/32.</summary>
    private const uint TeredoPrefix = 0x2001_0000;

    /// <summary>As Zeek's ayiya analyzer reads it: 8 fixed bytes, then the identity and the signature.</summary>
    private const int AyiyaFixedHeaderLength = 8;
    private const int AyiyaOpCodeForward = 1;

    /// <summary>RFC 768 (header) and the ports of <see cref="TunnelUdpPorts"/>: destination port first, then source.</summary>
    private static DecodeStatus DecodeUdp(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < UdpHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + UdpDestinationPortOffset)..]);
        TunnelKind kind = TunnelOnPort(destinationPort);
        if (kind == TunnelKind.None)
        {
            kind = TunnelOnPort(sourcePort);
        }
        // RFC 768: the length covers header and data; 0 is allowed only for IPv6 jumbograms (RFC 2675 §4).
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + UdpLengthOffset)..]);
        if (kind == TunnelKind.None && LooksLikeTeredo(packet, offset + UdpHeaderLength, udpLength))
        {
            kind = TunnelKind.Teredo;
        }
        if (kind == TunnelKind.None)
        {
            return DecodeStatus.NotTcp;
        }
        if (udpLength is > 0 and < UdpHeaderLength)
        {
            return DecodeStatus.Malformed;
        }
        if (udpLength != 0 && offset + udpLength < packet.Length)
        {
            packet = packet[..(offset + udpLength)];
        }
        if (!EnterTunnel(kind, ref segment))
        {
            return DecodeStatus.TunnelNotFollowed;
        }
        int payload = offset + UdpHeaderLength;
        return kind switch
        {
            // RFC 8086 §3: the GRE header follows the UDP header as it would follow an IP header.
            TunnelKind.Gre => DecodeGre(packet, payload, ref segment),
            TunnelKind.Vxlan => DecodeVxlan(packet, payload, ref segment),
            TunnelKind.Geneve => DecodeGeneve(packet, payload, ref segment),
            TunnelKind.GtpU => DecodeGtpU(packet, payload, ref segment),
            TunnelKind.Teredo => DecodeTeredo(packet, payload, ref segment),
            _ => DecodeAyiya(packet, payload, ref segment),
        };
    }

    /// <summary>
    /// Teredo between a client and a relay uses neither side's port 3544 (RFC 4380 §5.2, §5.4). Zeek finds it by
    /// its signature: an IPv6 header whose source or destination is in the Teredo prefix 2001:0::/32 (RFC 4380
    /// §2.6). This also asks that the IPv6 payload length account for the UDP length exactly, as Zeek's check of
    /// the inner packet does, so that other UDP is not taken for Teredo by chance.
    /// </summary>
    private static bool LooksLikeTeredo(ReadOnlySpan<byte> packet, int offset, int udpLength)
    {
        if (packet.Length - offset < Ipv6Header.Length || packet[offset] >> 4 != 6)
        {
            return false;
        }
        int ipv6PayloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 4)..]);
        if (udpLength != UdpHeaderLength + Ipv6Header.Length + ipv6PayloadLength)
        {
            return false;
        }
        return BinaryPrimitives.ReadUInt32BigEndian(packet[(offset + 8)..]) == TeredoPrefix
            || BinaryPrimitives.ReadUInt32BigEndian(packet[(offset + 24)..]) == TeredoPrefix;
    }

    private static TunnelKind TunnelOnPort(ushort port) => port switch
    {
        TunnelUdpPorts.GreInUdp => TunnelKind.Gre,
        TunnelUdpPorts.Vxlan => TunnelKind.Vxlan,
        TunnelUdpPorts.Geneve => TunnelKind.Geneve,
        TunnelUdpPorts.GtpU => TunnelKind.GtpU,
        TunnelUdpPorts.Teredo => TunnelKind.Teredo,
        TunnelUdpPorts.Ayiya => TunnelKind.Ayiya,
        _ => TunnelKind.None,
    };

    /// <summary>RFC 7348 §5: the 8-byte header (I flag set), then an Ethernet frame.</summary>
    private static DecodeStatus DecodeVxlan(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < VxlanHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        if ((packet[offset] & VxlanInstanceBit) == 0)
        {
            return DecodeStatus.Malformed;
        }
        return Inside(DecodeEthernet(packet, offset + VxlanHeaderLength, ref segment));
    }

    /// <summary>RFC 8926 §3.4: version 0, options of 4-byte units, then what the protocol type (an EtherType) says.</summary>
    private static DecodeStatus DecodeGeneve(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < GeneveFixedHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        // §3.4: a packet of an unknown version MUST be dropped.
        if (packet[offset] >> GeneveVersionShift != 0)
        {
            return DecodeStatus.Malformed;
        }
        int headerLength = GeneveFixedHeaderLength + ((packet[offset] & GeneveOptionsLengthMask) * 4);
        if (packet.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        ushort protocolType = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + GeneveProtocolTypeOffset)..]);
        return DecodeTunnelledEtherType(packet, offset + headerLength, protocolType, ref segment);
    }

    /// <summary>
    /// 3GPP TS 29.281 §5.1 and §5.2: version 1, PT 1, a G-PDU (message 255); the optional fields when E, S or PN
    /// is set; the extension header chain when E is set; then an IPv4 or IPv6 packet. Other messages (echo,
    /// error indication, end marker) and GTP' (PT 0) carry no user packet.
    /// </summary>
    private static DecodeStatus DecodeGtpU(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < GtpMandatoryHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        byte flags = packet[offset];
        if (flags >> GtpVersionShift != GtpVersion1)
        {
            return DecodeStatus.Malformed;
        }
        if ((flags & GtpProtocolTypeBit) == 0 || packet[offset + 1] != GtpMessageGPdu)
        {
            return DecodeStatus.NotTcp;
        }
        // §5.1: the length counts the bytes after the mandatory header, optional fields included.
        int declaredEnd = offset + GtpMandatoryHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + GtpLengthOffset)..]);
        int position = offset + GtpMandatoryHeaderLength;
        if ((flags & GtpOptionalFieldsBits) != 0)
        {
            if (declaredEnd - position < GtpOptionalFieldsLength)
            {
                return DecodeStatus.Malformed;
            }
            if (packet.Length - position < GtpOptionalFieldsLength)
            {
                return DecodeStatus.Truncated;
            }
            byte nextType = (flags & GtpExtensionHeaderBit) != 0 ? packet[position + GtpOptionalFieldsLength - 1] : GtpNoMoreExtensionHeaders;
            position += GtpOptionalFieldsLength;
            // §5.2.1: length (in 4-octet units, never 0), contents, next extension header type as the last byte.
            while (nextType != GtpNoMoreExtensionHeaders)
            {
                if (position >= declaredEnd)
                {
                    return DecodeStatus.Malformed;
                }
                if (position >= packet.Length)
                {
                    return DecodeStatus.Truncated;
                }
                int length = packet[position] * GtpExtensionLengthUnit;
                if (length == 0 || length > declaredEnd - position)
                {
                    return DecodeStatus.Malformed;
                }
                if (length > packet.Length - position)
                {
                    return DecodeStatus.Truncated;
                }
                nextType = packet[position + length - 1];
                position += length;
            }
        }
        if (position == declaredEnd)
        {
            return DecodeStatus.NotTcp;
        }
        if (declaredEnd < packet.Length)
        {
            packet = packet[..declaredEnd];
        }
        // The PDU type is not signalled (a PDP context is IPv4 or IPv6): the version nibble says.
        return Inside(DecodeNetworkLayer(packet, position, NetworkLayer.IPByVersionOrOther, ref segment));
    }

    /// <summary>
    /// RFC 4380 §5.1.1: an optional authentication header, then an optional origin indication, then IPv6. What
    /// starts otherwise is not Teredo (another use of port 3544).
    /// </summary>
    private static DecodeStatus DecodeTeredo(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        bool authenticationSeen = false;
        while (true)
        {
            if (packet.Length - offset < 2)
            {
                return DecodeStatus.Truncated;
            }
            ushort indicator = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            if (indicator == TeredoAuthenticationIndicator && !authenticationSeen)
            {
                if (packet.Length - offset < TeredoAuthenticationFixedLength)
                {
                    return DecodeStatus.Truncated;
                }
                int length = TeredoAuthenticationFixedLength + packet[offset + 2] + packet[offset + 3] + TeredoAuthenticationTrailerLength;
                if (packet.Length - offset < length)
                {
                    return DecodeStatus.Truncated;
                }
                offset += length;
                authenticationSeen = true;
                continue;
            }
            if (indicator == TeredoOriginIndicator)
            {
                if (packet.Length - offset < TeredoOriginIndicationLength)
                {
                    return DecodeStatus.Truncated;
                }
                offset += TeredoOriginIndicationLength;
            }
            // The origin indication, when there is one, is the last header before the IPv6 packet.
            break;
        }
        if (offset >= packet.Length)
        {
            return DecodeStatus.Truncated;
        }
        if (packet[offset] >> 4 != 6)
        {
            return DecodeStatus.NotTcp;
        }
        return DecodeIPv6(packet, offset, ref segment);
    }

    /// <summary>
    /// AYIYA as Zeek's ayiya analyzer reads it (draft-massar-v6ops-ayiya-02 §5): identity length (log2) and type,
    /// signature length (4-byte units) and hash method, authentication method and opcode, next header, 4-byte
    /// epoch time, then the identity and the signature. Only opcode 1 (forward) carries a packet, IPv4 (next
    /// header 4) or IPv6 (41).
    /// </summary>
    private static DecodeStatus DecodeAyiya(ReadOnlySpan<byte> packet, int offset, ref TcpSegment segment)
    {
        if (packet.Length - offset < AyiyaFixedHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        int identityLength = 1 << (packet[offset] >> 4);
        int signatureLength = (packet[offset + 1] >> 4) * 4;
        int opCode = packet[offset + 2] & 0x0F;
        byte nextHeader = packet[offset + 3];
        int headerLength = AyiyaFixedHeaderLength + identityLength + signatureLength;
        if (packet.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        if (opCode != AyiyaOpCodeForward)
        {
            return DecodeStatus.NotTcp;
        }
        return nextHeader switch
        {
            IpProtocols.IPv4Encapsulation => DecodeNetworkLayer(packet, offset + headerLength, NetworkLayer.IPv4, ref segment),
            IpProtocols.IPv6Encapsulation => DecodeNetworkLayer(packet, offset + headerLength, NetworkLayer.IPv6, ref segment),
            _ => DecodeStatus.NotTcp,
        };
    }
}
