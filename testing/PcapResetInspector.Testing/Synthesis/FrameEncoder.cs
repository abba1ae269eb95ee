using PcapResetInspector.Core.Net;
using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>Wraps a TCP segment in an IPv4 or IPv6 header and a link-layer header.</summary>
internal static class FrameEncoder
{
    public const ushort EtherTypeIPv4 = 0x0800;
    public const ushort EtherTypeIPv6 = 0x86DD;
    public const ushort EtherTypeVlan = 0x8100;   // IEEE 802.1Q C-tag
    public const ushort EtherTypeQinQ = 0x88A8;   // IEEE 802.1ad S-tag, the outer tag of QinQ

    // Linux sockaddr_ll packet types (linux/if_packet.h) and ARPHRD_ETHER.
    public const byte PacketHost = 0;
    public const byte PacketOutgoing = 4;
    public const ushort ArphrdEther = 1;
    public const int Sll2InterfaceIndex = 2;

    // LINKTYPE_NULL holds the capturing host's AF_ value in its own byte order: a little-endian
    // host is assumed, and AF_INET6 = 30 as on macOS, where most loopback captures come from.
    public const uint NullAfInet = 2;
    public const uint NullAfInet6 = 30;

    /// <summary>IEEE 802.3 minimum frame length without the FCS.</summary>
    public const int MinimumEthernetFrame = 60;

    public static bool IsSupported(int linkType) =>
        linkType is LinkTypes.Ethernet or LinkTypes.Raw or LinkTypes.LinuxSll or LinkTypes.LinuxSll2 or LinkTypes.Null;

    public static int LinkHeaderLength(int linkType, ushort vlan, ushort innerVlan) => linkType switch
    {
        LinkTypes.Ethernet => 14 + (vlan != 0 ? 4 : 0) + (innerVlan != 0 ? 4 : 0),
        LinkTypes.Raw => 0,
        LinkTypes.LinuxSll => 16,
        LinkTypes.LinuxSll2 => 20,
        LinkTypes.Null => 4,
        _ => throw new NotSupportedException("Link type " + LinkTypes.Name(linkType) + " is not supported by the traffic builder."),
    };

    /// <summary>Deterministic locally administered MAC: 02:00 followed by the address's last four bytes.</summary>
    public static void WriteMac(ReadOnlySpan<byte> ipAddress, Span<byte> mac)
    {
        mac[0] = 0x02;
        mac[1] = 0x00;
        ipAddress[^4..].CopyTo(mac[2..6]);
    }

    /// <param name="sentByCaptureHost">For the Linux "cooked" headers: the frame left the capturing host (PACKET_OUTGOING).</param>
    public static byte[] Encode(
        int linkType, ushort vlan, ushort innerVlan, bool padEthernet, bool sentByCaptureHost,
        ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress,
        byte ttl, ushort ipId, bool dontFragment, ReadOnlySpan<byte> tcpSegment)
    {
        bool isIPv6 = sourceAddress.Length == 16;
        int ipHeaderLength = isIPv6 ? 40 : 20;
        // IPv4 total length and IPv6 payload length are 16-bit fields (RFC 791 §3.1, RFC 8200 §3).
        if ((isIPv6 ? tcpSegment.Length : ipHeaderLength + tcpSegment.Length) > ushort.MaxValue)
        {
            throw new ArgumentException("The segment does not fit in one IP packet.", nameof(tcpSegment));
        }

        int linkLength = LinkHeaderLength(linkType, vlan, innerVlan);
        int frameLength = linkLength + ipHeaderLength + tcpSegment.Length;
        if (padEthernet && linkType == LinkTypes.Ethernet)
        {
            frameLength = Math.Max(frameLength, MinimumEthernetFrame);
        }

        var frame = new byte[frameLength];
        ushort etherType = isIPv6 ? EtherTypeIPv6 : EtherTypeIPv4;
        WriteLinkHeader(frame, linkType, vlan, innerVlan, sentByCaptureHost, sourceAddress, destinationAddress, etherType, isIPv6);

        Span<byte> ip = frame.AsSpan(linkLength);
        if (isIPv6)
        {
            WriteIPv6Header(ip, sourceAddress, destinationAddress, ttl, tcpSegment.Length);
        }
        else
        {
            WriteIPv4Header(ip, sourceAddress, destinationAddress, ttl, ipId, dontFragment, tcpSegment.Length);
        }
        tcpSegment.CopyTo(ip[ipHeaderLength..]);
        return frame;
    }

    private static void WriteLinkHeader(
        Span<byte> frame, int linkType, ushort vlan, ushort innerVlan, bool sentByCaptureHost,
        ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ushort etherType, bool isIPv6)
    {
        switch (linkType)
        {
            case LinkTypes.Ethernet:
                WriteMac(destinationAddress, frame);
                WriteMac(sourceAddress, frame[6..]);
                int offset = 12;
                if (vlan != 0)
                {
                    // With an inner tag the outer one is an 802.1ad S-tag; PCP and DEI are left 0.
                    BinaryPrimitives.WriteUInt16BigEndian(frame[offset..], innerVlan != 0 ? EtherTypeQinQ : EtherTypeVlan);
                    BinaryPrimitives.WriteUInt16BigEndian(frame[(offset + 2)..], vlan);
                    offset += 4;
                }
                if (innerVlan != 0)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(frame[offset..], EtherTypeVlan);
                    BinaryPrimitives.WriteUInt16BigEndian(frame[(offset + 2)..], innerVlan);
                    offset += 4;
                }
                BinaryPrimitives.WriteUInt16BigEndian(frame[offset..], etherType);
                break;

            case LinkTypes.LinuxSll:
                // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
                BinaryPrimitives.WriteUInt16BigEndian(frame, sentByCaptureHost ? PacketOutgoing : PacketHost);
                BinaryPrimitives.WriteUInt16BigEndian(frame[2..], ArphrdEther);
                BinaryPrimitives.WriteUInt16BigEndian(frame[4..], 6);
                WriteMac(sourceAddress, frame[6..]);  // 6 of the 8 address bytes; the rest stay 0
                BinaryPrimitives.WriteUInt16BigEndian(frame[14..], etherType);
                break;

            case LinkTypes.LinuxSll2:
                // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
                BinaryPrimitives.WriteUInt16BigEndian(frame, etherType);
                BinaryPrimitives.WriteUInt16BigEndian(frame[2..], 0);
                BinaryPrimitives.WriteInt32BigEndian(frame[4..], Sll2InterfaceIndex);
                BinaryPrimitives.WriteUInt16BigEndian(frame[8..], ArphrdEther);
                frame[10] = sentByCaptureHost ? PacketOutgoing : PacketHost;
                frame[11] = 6;
                WriteMac(sourceAddress, frame[12..]);
                break;

            case LinkTypes.Null:
                BinaryPrimitives.WriteUInt32LittleEndian(frame, isIPv6 ? NullAfInet6 : NullAfInet);
                break;

            case LinkTypes.Raw:
                break;
        }
    }

    /// <summary>RFC 791 §3.1, no options; the header checksum per RFC 1071.</summary>
    private static void WriteIPv4Header(Span<byte> ip, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte ttl, ushort ipId, bool dontFragment, int payloadLength)
    {
        ip[0] = 0x45;   // version 4, IHL 5 words
        ip[1] = 0;      // DSCP 0, not ECN-capable
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        ip[8] = ttl;
        ip[9] = 6;      // TCP
        source.CopyTo(ip[12..]);
        destination.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Finish(InternetChecksum.Add(0, ip[..20])));
    }

    /// <summary>RFC 8200 §3: traffic class and flow label 0, no extension headers.</summary>
    private static void WriteIPv6Header(Span<byte> ip, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte hopLimit, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payloadLength);
        ip[6] = 6;      // next header: TCP
        ip[7] = hopLimit;
        source.CopyTo(ip[8..]);
        destination.CopyTo(ip[24..]);
    }
}
