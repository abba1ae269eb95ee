using System.Buffers.Binary;
using System.Net;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// Builds frames byte by byte for the decoder tests: one method per header, each returning the header
/// with what it carries appended. Defaults are the values the tests assert on.
/// </summary>
internal static class PacketBuilder
{
    public const string V4Source = "192.0.2.10";
    public const string V4Destination = "198.51.100.20";
    public const string V6Source = "2001:db8::10";
    public const string V6Destination = "2001:db8:0:1::20";
    public const ushort SourcePort = 49152;
    public const ushort DestinationPort = 443;
    public const uint Sequence = 0x01020304;
    public const uint Acknowledgment = 0xA0B0C0D0;
    public const ushort Window = 0xFAF0;
    public const byte Ttl = 57;
    public const ushort IpId = 0x1234;
    public const long Timestamp = 1_700_000_000_123_456_789;

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new List<byte>();
        foreach (byte[] part in parts)
        {
            result.AddRange(part);
        }
        return [.. result];
    }

    public static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    /// <summary>A TCP header (options padded with EOL to a 4-byte boundary) followed by the payload.</summary>
    public static byte[] Tcp(
        TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh,
        byte[]? options = null,
        byte[]? payload = null,
        int? dataOffsetWords = null,
        ushort sourcePort = SourcePort,
        ushort destinationPort = DestinationPort,
        uint sequence = Sequence,
        uint acknowledgment = Acknowledgment,
        ushort window = Window)
    {
        options ??= [];
        payload ??= [];
        var paddedOptions = new byte[(options.Length + 3) / 4 * 4];
        options.CopyTo(paddedOptions, 0);
        int words = dataOffsetWords ?? (20 + paddedOptions.Length) / 4;
        int flagBits = (int)flags;
        return Concat(
            U16(sourcePort),
            U16(destinationPort),
            U32(sequence),
            U32(acknowledgment),
            [(byte)((words << 4) | (flagBits >> 8 & 0x01)), (byte)flagBits],
            U16(window),
            U16(0), // checksum: the checksum tests fill it in
            U16(0),
            paddedOptions,
            payload);
    }

    public static byte[] Ipv4(
        byte[] payload,
        byte protocol = 6,
        byte ttl = Ttl,
        ushort id = IpId,
        bool dontFragment = true,
        bool moreFragments = false,
        int fragmentOffsetUnits = 0,
        byte[]? options = null,
        int? ihlWords = null,
        int? totalLength = null,
        int version = 4,
        string source = V4Source,
        string destination = V4Destination)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        int ihl = ihlWords ?? headerLength / 4;
        int flagsAndOffset = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffsetUnits;
        return Concat(
            [(byte)((version << 4) | ihl), 0x00],
            U16(totalLength ?? headerLength + payload.Length),
            U16(id),
            U16(flagsAndOffset),
            [ttl, protocol],
            U16(0), // header checksum: not checked by the decoder
            Address(source),
            Address(destination),
            options,
            payload);
    }

    /// <param name="afterFixedHeader">Extension headers, then the upper-layer bytes.</param>
    public static byte[] Ipv6(
        byte[] afterFixedHeader,
        byte nextHeader = 6,
        byte hopLimit = Ttl,
        int? payloadLength = null,
        int version = 6,
        string source = V6Source,
        string destination = V6Destination) =>
        Concat(
            [(byte)(version << 4), 0x00, 0x00, 0x00],
            U16(payloadLength ?? afterFixedHeader.Length),
            [nextHeader, hopLimit],
            Address(source),
            Address(destination),
            afterFixedHeader);

    /// <summary>Hop-by-hop or destination options (RFC 8200 §4.3, §4.6): PadN to 8 bytes.</summary>
    public static byte[] OptionsHeader(byte nextHeader, int lengthUnits = 0, byte[]? options = null)
    {
        int length = (lengthUnits + 1) * 8;
        var header = new byte[length];
        header[0] = nextHeader;
        header[1] = (byte)lengthUnits;
        options ??= [];
        options.CopyTo(header, 2);
        int padStart = 2 + options.Length;
        if (length - padStart >= 2)
        {
            header[padStart] = 0x01; // PadN
            header[padStart + 1] = (byte)(length - padStart - 2);
        }
        return header;
    }

    /// <summary>Type 2 routing header (RFC 6275 §6.4) with one address.</summary>
    public static byte[] RoutingHeader(byte nextHeader, string address, int segmentsLeft = 0) =>
        Concat([nextHeader, 2, 2, (byte)segmentsLeft, 0, 0, 0, 0], Address(address));

    public static byte[] FragmentHeader(byte nextHeader, int offsetUnits, bool moreFragments, uint identification = 0xCAFEF00D) =>
        Concat([nextHeader, 0], U16((offsetUnits << 3) | (moreFragments ? 1 : 0)), U32(identification));

    /// <summary>AH (RFC 4302 §2) with a 12-byte ICV: length field 4 means (4 + 2) * 4 = 24 bytes.</summary>
    public static byte[] AuthenticationHeader(byte nextHeader) =>
        Concat([nextHeader, 4, 0, 0], U32(0x100), U32(1), new byte[12]);

    public static readonly byte[] DestinationMac = Hex("020000000002");
    public static readonly byte[] SourceMac = Hex("020000000001");

    public static byte[] Ethernet(ushort etherType, byte[] payload) =>
        Concat(DestinationMac, SourceMac, U16(etherType), payload);

    /// <summary>A VLAN tag as it follows a TPID: TCI (priority 5 so the mask is tested), then the next EtherType.</summary>
    public static byte[] VlanTag(int vlanId, ushort nextEtherType) => Concat(U16((5 << 13) | vlanId), U16(nextEtherType));

    public static byte[] MplsLabel(int label, bool bottomOfStack, byte ttl = 255) =>
        U32((uint)(label << 12) | (bottomOfStack ? 0x100u : 0u) | ttl);

    public static byte[] PppoeSession(ushort pppProtocol, byte[] payload) =>
        Concat([0x11, 0x00], U16(0x4D2), U16(payload.Length + 2), U16(pppProtocol), payload);

    /// <summary>Linux cooked header v1 (tcpdump.org LINKTYPE_LINUX_SLL): packet type, ARPHRD, address length, 8-byte address, protocol.</summary>
    public static byte[] Sll(ushort protocol, byte[] payload) =>
        Concat(U16(0), U16(1), U16(6), SourceMac, [0, 0], U16(protocol), payload);

    /// <summary>Linux cooked header v2 (LINKTYPE_LINUX_SLL2): protocol, reserved, ifindex, ARPHRD, packet type, address length, address.</summary>
    public static byte[] Sll2(ushort protocol, byte[] payload) =>
        Concat(U16(protocol), U16(0), U32(3), U16(1), [4, 6], SourceMac, [0, 0], payload);

    /// <summary>PPI header (LINKTYPE_PPI) with one 12-byte field, so the header length is not just the fixed 8.</summary>
    public static byte[] Ppi(uint innerLinkType, byte[] payload) =>
        Concat([0, 0], [20, 0], U32LittleEndian(innerLinkType), [2, 0, 8, 0], new byte[8], payload);

    public static readonly byte[] SampleTcpPayload = "GET / HTTP/1.1\r\n"u8.ToArray();

    /// <summary>The TCP segment most tests wrap: default header fields, an MSS option and a 16-byte payload.</summary>
    public static byte[] SampleTcp() => Tcp(options: Hex("020405b4"), payload: SampleTcpPayload);

    public static byte[] SampleIpv4Tcp() => Ipv4(SampleTcp());

    public static byte[] SampleIpv6Tcp() => Ipv6(SampleTcp());
}
