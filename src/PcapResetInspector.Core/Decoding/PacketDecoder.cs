using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Decoding;

/// <summary>
/// Turns one captured frame into a <see cref="TcpSegment"/> without allocating. Any input gets a
/// <see cref="DecodeStatus"/>; nothing throws. On a status other than <see cref="DecodeStatus.Tcp"/>
/// the segment keeps whatever was decoded before the decoder stopped (the addresses of a fragment,
/// the VLAN of an ARP frame), which is what counters and anomaly reports want.
/// </summary>
/// <remarks>
/// Offsets are always into the whole frame, so the offsets in the segment can be used on the
/// frame as captured. The link layers live in PacketDecoder.LinkLayers.cs.
/// </remarks>
public static partial class PacketDecoder
{
    /// <summary>No IPv6 extension header is shorter than 8 bytes (RFC 8200 §4; AH, RFC 4302 §2, is at least 12).</summary>
    private const int ExtensionHeaderMinimumLength = 8;
    private const int FragmentHeaderLength = 8;
    /// <summary>RFC 8200 §4.5: the M flag, low bit of the offset word.</summary>
    private const int Ipv6MoreFragmentsBit = 0x0001;
    private const byte Pad1Option = 0x00;
    /// <summary>RFC 2675 §2.</summary>
    private const byte JumboPayloadOption = 0xC2;

    /// <summary>Decodes a frame as a reader hands it out; see the span overload.</summary>
    public static DecodeStatus Decode(in PacketRecord record, out TcpSegment segment) =>
        Decode(record.Data, record.LinkType, record.TimestampNanos, out segment);

    /// <param name="frame">The captured bytes, possibly cut by the snapshot length.</param>
    /// <param name="linkType">LINKTYPE_ value (see <see cref="LinkTypes"/>), without the FCS bits of the pcap header.</param>
    /// <param name="timestampNanos">Copied into the segment.</param>
    /// <param name="segment">Filled as far as decoding got; complete only when <see cref="DecodeStatus.Tcp"/> is returned.</param>
    public static DecodeStatus Decode(ReadOnlySpan<byte> frame, int linkType, long timestampNanos, out TcpSegment segment)
    {
        segment = default;
        segment.TimestampNanos = timestampNanos;
        return DecodeLinkLayer(frame, 0, linkType, insidePpi: false, ref segment);
    }

    /// <summary>What the link layer says is at the network-layer offset.</summary>
    private enum NetworkLayer
    {
        IPv4,
        IPv6,
        /// <summary>The link promises IP of either version (raw IP): another version nibble is malformed.</summary>
        IPByVersion,
        /// <summary>The link may carry non-IP too (MPLS): another version nibble is simply not IP.</summary>
        IPByVersionOrOther,
    }

    private static DecodeStatus DecodeNetworkLayer(ReadOnlySpan<byte> frame, int offset, NetworkLayer expected, ref TcpSegment segment)
    {
        if (offset >= frame.Length)
        {
            return DecodeStatus.Truncated;
        }
        int version = frame[offset] >> 4;
        return (expected, version) switch
        {
            (NetworkLayer.IPv4 or NetworkLayer.IPByVersion or NetworkLayer.IPByVersionOrOther, 4) => DecodeIPv4(frame, offset, ref segment),
            (NetworkLayer.IPv6 or NetworkLayer.IPByVersion or NetworkLayer.IPByVersionOrOther, 6) => DecodeIPv6(frame, offset, ref segment),
            (NetworkLayer.IPByVersionOrOther, _) => DecodeStatus.NotIp,
            _ => DecodeStatus.Malformed,
        };
    }

    /// <summary>RFC 791 §3.1.</summary>
    private static DecodeStatus DecodeIPv4(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        ReadOnlySpan<byte> packet = frame[offset..];
        if (!Ipv4Header.TryRead(packet, out Ipv4Header ip))
        {
            return DecodeStatus.Truncated;
        }
        int headerLength = ip.HeaderLength;
        if (headerLength < Ipv4Header.MinimumLength)
        {
            return DecodeStatus.Malformed;
        }
        if (packet.Length < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        int totalLength = ip.TotalLength;
        if (totalLength == 0)
        {
            // Captured before TCP segmentation offload: the NIC fills in the length, so the capture is the packet.
            totalLength = packet.Length;
        }
        else if (totalLength < headerLength)
        {
            return DecodeStatus.Malformed;
        }

        segment.IpVersion = 4;
        segment.IpHeaderOffset = offset;
        segment.IpTotalLength = totalLength;
        segment.Ttl = ip.Ttl;
        segment.IpId = ip.Identification;
        segment.DontFragment = ip.DontFragment;
        segment.SourceAddress = IpAddress128.FromIPv4(ip.SourceAddress);
        segment.DestinationAddress = IpAddress128.FromIPv4(ip.DestinationAddress);

        // Ethernet pads short frames to 60 bytes: bytes past the total length are not IP.
        int capturedEnd = offset + Math.Min(packet.Length, totalLength);
        if (ip.Protocol != IpProtocols.Tcp)
        {
            if (ip.FragmentOffset != 0)
            {
                return IsTunnelProtocol(ip.Protocol) ? DecodeStatus.Fragment : DecodeStatus.NotTcp;
            }
            bool cutByFragmentation = ip.MoreFragments && packet.Length >= totalLength;
            return DecodeIpPayload(frame[..capturedEnd], offset + headerLength, ip.Protocol, cutByFragmentation, ref segment);
        }
        if (ip.FragmentOffset != 0)
        {
            return DecodeStatus.Fragment;
        }
        segment.FirstFragment = ip.MoreFragments;
        return DecodeTcp(frame, offset + headerLength, totalLength - headerLength, capturedEnd, ref segment);
    }

    /// <summary>RFC 8200 §3 and §4.</summary>
    private static DecodeStatus DecodeIPv6(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        ReadOnlySpan<byte> packet = frame[offset..];
        if (!Ipv6Header.TryRead(packet, out Ipv6Header ip))
        {
            return DecodeStatus.Truncated;
        }
        segment.IpVersion = 6;
        segment.IpHeaderOffset = offset;
        segment.Ttl = ip.HopLimit;
        segment.SourceAddress = ip.SourceAddress;
        segment.DestinationAddress = ip.DestinationAddress;

        int position = offset + Ipv6Header.Length;
        int payloadLength = ip.PayloadLength;
        byte nextHeader = ip.NextHeader;
        if (payloadLength == 0 && nextHeader == IpProtocols.HopByHopOptions)
        {
            // RFC 2675: a jumbogram says 0 here and carries its length in a hop-by-hop option; like TSO
            // captures, trust what was captured.
            JumboSearch jumbo = FindJumboPayloadOption(frame[position..]);
            if (jumbo == JumboSearch.Truncated)
            {
                return DecodeStatus.Truncated;
            }
            if (jumbo == JumboSearch.Found)
            {
                payloadLength = packet.Length - Ipv6Header.Length;
            }
        }
        segment.IpTotalLength = payloadLength + Ipv6Header.Length;

        int declaredEnd = position + payloadLength;
        int capturedEnd = Math.Min(frame.Length, declaredEnd);
        while (true)
        {
            switch (nextHeader)
            {
                case IpProtocols.Tcp:
                    return DecodeTcp(frame, position, declaredEnd - position, capturedEnd, ref segment);
                case IpProtocols.HopByHopOptions:
                case IpProtocols.Routing:
                case IpProtocols.DestinationOptions:
                case IpProtocols.Fragment:
                case IpProtocols.AuthenticationHeader:
                    if (declaredEnd - position < ExtensionHeaderMinimumLength)
                    {
                        return DecodeStatus.Malformed;
                    }
                    if (capturedEnd - position < ExtensionHeaderMinimumLength)
                    {
                        return DecodeStatus.Truncated;
                    }
                    int length = ExtensionHeaderLength(nextHeader, frame[position + 1]);
                    if (length > declaredEnd - position)
                    {
                        return DecodeStatus.Malformed;
                    }
                    if (length > capturedEnd - position)
                    {
                        return DecodeStatus.Truncated;
                    }
                    byte following = frame[position];
                    if (nextHeader == IpProtocols.Fragment)
                    {
                        ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(frame[(position + 2)..]);
                        if (offsetAndFlags >> 3 != 0)
                        {
                            // RFC 8200 §4.5: only the first fragment carries the upper-layer header.
                            return following == IpProtocols.Tcp || IsExtensionHeader(following) || IsTunnelProtocol(following)
                                ? DecodeStatus.Fragment
                                : DecodeStatus.NotTcp;
                        }
                        segment.FirstFragment = (offsetAndFlags & Ipv6MoreFragmentsBit) != 0;
                    }
                    nextHeader = following;
                    position += length;
                    break;
                default:
                    // Tunnels; no next header (59), ESP (50, nothing readable after it), ICMPv6, ... are NotTcp.
                    bool cutByFragmentation = segment.FirstFragment && capturedEnd == declaredEnd;
                    return DecodeIpPayload(frame[..capturedEnd], position, nextHeader, cutByFragmentation, ref segment);
            }
        }
    }

    /// <summary>Whether <paramref name="nextHeader"/> is an IPv6 extension header the decoder walks past (RFC 8200 §4).</summary>
    public static bool IsExtensionHeader(byte nextHeader) => nextHeader is IpProtocols.HopByHopOptions
        or IpProtocols.Routing or IpProtocols.DestinationOptions or IpProtocols.Fragment or IpProtocols.AuthenticationHeader;

    /// <summary>Length in bytes of the IPv6 extension header <paramref name="nextHeader"/> from its length byte.</summary>
    public static int ExtensionHeaderLength(byte nextHeader, byte lengthField) => nextHeader switch
    {
        IpProtocols.Fragment => FragmentHeaderLength,
        // RFC 4302 §2.2: AH counts 32-bit words, minus 2.
        IpProtocols.AuthenticationHeader => (lengthField + 2) * 4,
        // RFC 8200 §4.3-4.6: 8-octet units, not counting the first 8.
        _ => (lengthField + 1) * 8,
    };

    private enum JumboSearch
    {
        NotFound,
        Found,
        Truncated,
    }

    /// <summary>Looks for the Jumbo Payload option (RFC 2675 §2) in a hop-by-hop header (RFC 8200 §4.2 TLVs).</summary>
    private static JumboSearch FindJumboPayloadOption(ReadOnlySpan<byte> hopByHop)
    {
        if (hopByHop.Length < 2)
        {
            return JumboSearch.Truncated;
        }
        int length = ExtensionHeaderLength(IpProtocols.HopByHopOptions, hopByHop[1]);
        if (hopByHop.Length < length)
        {
            return JumboSearch.Truncated;
        }
        ReadOnlySpan<byte> options = hopByHop[2..length];
        int position = 0;
        while (position < options.Length)
        {
            byte type = options[position];
            if (type == Pad1Option)
            {
                position++;
                continue;
            }
            if (options.Length - position < 2)
            {
                return JumboSearch.NotFound;
            }
            if (type == JumboPayloadOption)
            {
                return JumboSearch.Found;
            }
            position += 2 + options[position + 1];
        }
        return JumboSearch.NotFound;
    }

    /// <summary>RFC 9293 §3.1.</summary>
    /// <param name="offset">Where the TCP header starts.</param>
    /// <param name="ipPayloadLength">TCP header and data length as the IP layer declares it.</param>
    /// <param name="capturedEnd">End of the IP packet in the frame: the smaller of the capture and the declared length.</param>
    private static DecodeStatus DecodeTcp(ReadOnlySpan<byte> frame, int offset, int ipPayloadLength, int capturedEnd, ref TcpSegment segment)
    {
        segment.TcpHeaderOffset = offset;
        if (ipPayloadLength < TcpHeader.MinimumLength)
        {
            // A first fragment this small splits the TCP header itself (RFC 1858 tiny fragments).
            return segment.FirstFragment ? DecodeStatus.Fragment : DecodeStatus.Malformed;
        }
        if (!TcpHeader.TryRead(frame[offset..capturedEnd], out TcpHeader tcp))
        {
            return DecodeStatus.Truncated;
        }
        segment.SourcePort = tcp.SourcePort;
        segment.DestinationPort = tcp.DestinationPort;
        segment.SequenceNumber = tcp.SequenceNumber;
        segment.AcknowledgmentNumber = tcp.AcknowledgmentNumber;
        segment.Flags = tcp.Flags;
        segment.ReservedBits = tcp.ReservedBits;
        segment.Window = tcp.Window;

        int headerLength = tcp.HeaderLength;
        if (headerLength < TcpHeader.MinimumLength)
        {
            return DecodeStatus.Malformed;
        }
        if (headerLength > ipPayloadLength)
        {
            return segment.FirstFragment ? DecodeStatus.Fragment : DecodeStatus.Malformed;
        }
        int optionsEnd = Math.Min(offset + headerLength, capturedEnd);
        TcpOptionsParser.Parse(frame[(offset + TcpHeader.MinimumLength)..optionsEnd], ref segment);

        segment.PayloadOffset = offset + headerLength;
        segment.PayloadLength = ipPayloadLength - headerLength;
        segment.CapturedPayloadLength = Math.Max(0, capturedEnd - segment.PayloadOffset);
        // RFC 9293 §3.5.3 (SHLD-2) lets a RST carry data; the diagnostic payload draft gives it a shape.
        // A payload the snapshot length cut says nothing; PayloadOffset may even lie past the frame's end then.
        if ((tcp.Flags & TcpFlags.Rst) != 0 && segment.PayloadLength == RstDiagnosticPayload.Length && segment.CapturedPayloadLength > 0)
            RstDiagnosticPayload.TryRead(frame.Slice(segment.PayloadOffset, segment.CapturedPayloadLength), segment.PayloadLength, out segment.RstDiagnostic);
        return DecodeStatus.Tcp;
    }
}
