using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>Tunnel headers for the decoder tests, in the style of <see cref="PacketBuilder"/>: each returns the header with what it carries.</summary>
internal static class TunnelPacketBuilder
{
    public const string OuterV4Source = "203.0.113.1";
    public const string OuterV4Destination = "203.0.113.2";
    public const string OuterV6Source = "2001:db8:ffff::1";
    public const string OuterV6Destination = "2001:db8:ffff::2";

    /// <summary>An outer IPv4 packet between the tunnel endpoints, with a TTL and IP-ID that differ from the inner packet's.</summary>
    public static byte[] OuterIpv4(byte protocol, byte[] payload, bool moreFragments = false, int fragmentOffsetUnits = 0) =>
        Ipv4(payload, protocol: protocol, ttl: 64, id: 0x4321, dontFragment: false, moreFragments: moreFragments,
            fragmentOffsetUnits: fragmentOffsetUnits, source: OuterV4Source, destination: OuterV4Destination);

    public static byte[] OuterIpv6(byte nextHeader, byte[] payload) =>
        Ipv6(payload, nextHeader: nextHeader, hopLimit: 64, source: OuterV6Source, destination: OuterV6Destination);

    /// <summary>GRE (RFC 2784 §2.1, RFC 2890 §2, RFC 2637 §4.1): flags and version, protocol type, then the optional fields present.</summary>
    public static byte[] Gre(ushort protocolType, byte[] payload, bool checksum = false, uint? key = null, uint? sequence = null,
        uint? acknowledgment = null, int version = 0, bool routing = false)
    {
        int flags = (checksum ? 0x8000 : 0) | (routing ? 0x4000 : 0) | (key is null ? 0 : 0x2000) | (sequence is null ? 0 : 0x1000)
            | (acknowledgment is null ? 0 : 0x0080) | version;
        return Concat(
            U16(flags),
            U16(protocolType),
            checksum ? U32(0xBEEF_0000) : [],
            key is { } k ? U32(k) : [],
            sequence is { } s ? U32(s) : [],
            acknowledgment is { } a ? U32(a) : [],
            payload);
    }

    /// <summary>PPTP's enhanced GRE (RFC 2637 §4.1): version 1, key = payload length and call id, a sequence number.</summary>
    public static byte[] PptpGre(byte[] ppp, uint? acknowledgment = null, bool sequence = true) =>
        Gre(0x880B, ppp, key: (uint)(ppp.Length << 16) | 0x4000, sequence: sequence ? 7u : null, acknowledgment: acknowledgment, version: 1);

    public static byte[] Udp(ushort sourcePort, ushort destinationPort, byte[] payload) =>
        Concat(U16(sourcePort), U16(destinationPort), U16(8 + payload.Length), U16(0), payload);

    /// <summary>RFC 7348 §5: flags (I), reserved, VNI 42, reserved.</summary>
    public static byte[] Vxlan(byte[] ethernetFrame, byte flags = 0x08) => Concat([flags, 0, 0, 0], [0, 0, 42, 0], ethernetFrame);

    /// <summary>RFC 8926 §3.4: version and options length, flags, protocol type, VNI 42, reserved, options.</summary>
    public static byte[] Geneve(ushort protocolType, byte[] payload, byte[]? options = null, int version = 0)
    {
        options ??= [];
        return Concat([(byte)((version << 6) | (options.Length / 4)), 0], U16(protocolType), [0, 0, 42, 0], options, payload);
    }

    /// <summary>A Geneve option (RFC 8926 §3.5): class, type, length in 4-byte units, data.</summary>
    public static byte[] GeneveOption(int dataWords) => Concat(U16(0x0102), [0x80, (byte)dataWords], new byte[dataWords * 4]);

    /// <summary>GTP-U (3GPP TS 29.281 §5.1): version 1, PT 1, message type, length, TEID; optional fields and extensions given whole.</summary>
    public static byte[] GtpU(byte[] payload, byte flagBits = 0, byte messageType = 255, byte[]? optionalAndExtensions = null, int? length = null)
    {
        optionalAndExtensions ??= [];
        return Concat(
            [(byte)(0x30 | flagBits), messageType],
            U16(length ?? optionalAndExtensions.Length + payload.Length),
            U32(0x0000_1F2E),
            optionalAndExtensions,
            payload);
    }

    /// <summary>
    /// Sequence number, N-PDU number, next type 0x85 (PDU session container), then that extension and a second
    /// one (type 0x40, UDP port), each one 4-octet unit long (TS 29.281 §5.2).
    /// </summary>
    public static readonly byte[] GtpSequenceAndTwoExtensions = Hex("0102 00 85  01 1005 40  01 0868 00");

    /// <summary>RFC 4380 §5.1.1: an authentication header (2-byte id, 4-byte value), then an origin indication.</summary>
    public static byte[] Teredo(byte[] ipv6, bool authentication = false, bool origin = false) =>
        Concat(
            authentication ? Concat([0x00, 0x01, 2, 4], [0xAA, 0xBB], [1, 2, 3, 4], new byte[8], [0]) : [],
            origin ? Concat([0x00, 0x00], U16(3797 ^ 0xFFFF), U32(0xC0A80210 ^ 0xFFFFFFFF)) : [],
            ipv6);

    /// <summary>AYIYA as Zeek reads it: a 16-byte identity (2^4), a 20-byte signature (5 words), the opcode, the next header.</summary>
    public static byte[] Ayiya(byte[] inner, byte nextHeader, int opCode = 1) =>
        Concat([(4 << 4) | 1, (5 << 4) | 2, (byte)((2 << 4) | opCode), nextHeader], U32(1_700_000_000), new byte[16], new byte[20], inner);
}
