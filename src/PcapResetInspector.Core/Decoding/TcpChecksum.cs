using PcapResetInspector.Core.Net;
using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

public enum TcpChecksumResult : byte
{
    Valid,
    Invalid,
    /// <summary>The frame does not hold the whole segment (snaplen, a first fragment), or the pseudo-header cannot be known.</summary>
    NotVerifiable,
}

/// <summary>
/// The TCP checksum (RFC 9293 §3.1 with the IPv4 pseudo-header; RFC 8200 §8.1 for IPv6). Not part of
/// decoding: sending hosts with checksum offload capture wrong checksums on their own packets, so the
/// engine checks only when asked.
/// </summary>
public static class TcpChecksum
{
    private const int Ipv4SourceAddressOffset = 12;
    private const int Ipv4AddressesLength = 8;
    private const int Ipv6SourceAddressOffset = 8;
    private const int Ipv6AddressLength = 16;
    private const int Ipv6DestinationAddressOffset = 24;
    private const int RoutingTypeOffset = 2;
    private const int SegmentsLeftOffset = 3;
    private const int RoutingAddressesOffset = 8;
    /// <summary>RFC 2460 type 0 (deprecated by RFC 5095, still seen in old captures) and RFC 6275 type 2: addresses in order, last is final.</summary>
    private const byte RoutingTypeSource = 0;
    private const byte RoutingTypeMobileIPv6 = 2;
    /// <summary>RFC 8754 §2: the segment list is in reverse order, Segment List[0] is the final destination.</summary>
    private const byte RoutingTypeSegmentRouting = 4;

    /// <param name="frame">The frame <paramref name="segment"/> was decoded from, with the same offsets.</param>
    public static TcpChecksumResult Verify(ReadOnlySpan<byte> frame, in TcpSegment segment)
    {
        int tcpLength = segment.PayloadOffset - segment.TcpHeaderOffset + segment.PayloadLength;
        // A first fragment's checksum covers the reassembled segment, which one frame does not hold.
        if (segment.FirstFragment
            || segment.CapturedPayloadLength < segment.PayloadLength
            || segment.TcpHeaderOffset < 0
            || tcpLength < TcpHeader.MinimumLength
            || frame.Length - segment.TcpHeaderOffset < tcpLength
            || segment.IpHeaderOffset < 0
            || segment.IpHeaderOffset > segment.TcpHeaderOffset)
        {
            return TcpChecksumResult.NotVerifiable;
        }

        ulong sum;
        if (segment.IpVersion == 4)
        {
            if (frame.Length - segment.IpHeaderOffset < Ipv4Header.MinimumLength)
            {
                return TcpChecksumResult.NotVerifiable;
            }
            // Source and destination, then zero, protocol, TCP length.
            sum = InternetChecksum.Add(0, frame.Slice(segment.IpHeaderOffset + Ipv4SourceAddressOffset, Ipv4AddressesLength));
            sum += IpProtocols.Tcp + (uint)tcpLength;
        }
        else if (segment.IpVersion == 6)
        {
            if (frame.Length - segment.IpHeaderOffset < Ipv6Header.Length
                || !TryFindFinalDestination(frame, segment.IpHeaderOffset, segment.TcpHeaderOffset, out int destinationOffset))
            {
                return TcpChecksumResult.NotVerifiable;
            }
            // Source, final destination, 32-bit upper-layer length, three zero bytes, next header.
            sum = InternetChecksum.Add(0, frame.Slice(segment.IpHeaderOffset + Ipv6SourceAddressOffset, Ipv6AddressLength));
            sum = InternetChecksum.Add(sum, frame.Slice(destinationOffset, Ipv6AddressLength));
            sum += (uint)(tcpLength >> 16) + (uint)(tcpLength & 0xFFFF) + IpProtocols.Tcp;
        }
        else
        {
            return TcpChecksumResult.NotVerifiable;
        }

        sum = InternetChecksum.Add(sum, frame.Slice(segment.TcpHeaderOffset, tcpLength));
        return InternetChecksum.Fold(sum) == 0xFFFF ? TcpChecksumResult.Valid : TcpChecksumResult.Invalid;
    }

    /// <summary>
    /// The IPv4 header checksum (RFC 791 §3.1) of the IP packet that carries the segment. IPv6 has none, so it is
    /// <see cref="TcpChecksumResult.NotVerifiable"/>, as is a header the frame does not hold whole.
    /// </summary>
    /// <param name="frame">The frame <paramref name="segment"/> was decoded from, with the same offsets.</param>
    public static TcpChecksumResult VerifyIpv4Header(ReadOnlySpan<byte> frame, in TcpSegment segment)
    {
        if (segment.IpVersion != 4 || segment.IpHeaderOffset < 0 || frame.Length - segment.IpHeaderOffset < Ipv4Header.MinimumLength)
        {
            return TcpChecksumResult.NotVerifiable;
        }
        int headerLength = (frame[segment.IpHeaderOffset] & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinimumLength || frame.Length - segment.IpHeaderOffset < headerLength)
        {
            return TcpChecksumResult.NotVerifiable;
        }
        ulong sum = InternetChecksum.Add(0, frame.Slice(segment.IpHeaderOffset, headerLength));
        return InternetChecksum.Fold(sum) == 0xFFFF ? TcpChecksumResult.Valid : TcpChecksumResult.Invalid;
    }

    /// <summary>
    /// RFC 8200 §8.1: with a routing header, the pseudo-header holds the final destination, not the
    /// address in the IPv6 header. False for routing types whose final address we cannot find.
    /// </summary>
    private static bool TryFindFinalDestination(ReadOnlySpan<byte> frame, int ipOffset, int tcpOffset, out int destinationOffset)
    {
        destinationOffset = ipOffset + Ipv6DestinationAddressOffset;
        byte nextHeader = frame[ipOffset + 6];
        int position = ipOffset + Ipv6Header.Length;
        while (position < tcpOffset)
        {
            if (tcpOffset - position < 8)
            {
                return false;
            }
            if (!PacketDecoder.IsExtensionHeader(nextHeader))
            {
                return false;
            }
            int length = PacketDecoder.ExtensionHeaderLength(nextHeader, frame[position + 1]);
            if (length > tcpOffset - position)
            {
                return false;
            }
            if (nextHeader == IpProtocols.Routing && frame[position + SegmentsLeftOffset] != 0)
            {
                byte routingType = frame[position + RoutingTypeOffset];
                int addressCount = (length - RoutingAddressesOffset) / Ipv6AddressLength;
                if (addressCount == 0)
                {
                    return false;
                }
                switch (routingType)
                {
                    case RoutingTypeSource:
                    case RoutingTypeMobileIPv6:
                        destinationOffset = position + RoutingAddressesOffset + (addressCount - 1) * Ipv6AddressLength;
                        break;
                    case RoutingTypeSegmentRouting:
                        destinationOffset = position + RoutingAddressesOffset;
                        break;
                    default:
                        return false;
                }
            }
            nextHeader = frame[position];
            position += length;
        }
        return position == tcpOffset;
    }
}
