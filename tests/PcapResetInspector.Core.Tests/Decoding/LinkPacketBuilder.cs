using System.Buffers.Binary;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// Link headers for the FDDI, NFLOG, IEEE 802.11 and LLC/SNAP tests, in the style of <see cref="PacketBuilder"/>:
/// each returns the header with what it carries.
/// </summary>
internal static class LinkPacketBuilder
{
    public static readonly byte[] BssidMac = Hex("020000000003");

    /// <summary>IEEE 802.2 LLC with SNAP (RFC 1042): DSAP AA, SSAP AA, UI control 03, an OUI, then an EtherType.</summary>
    public static byte[] Snap(ushort etherType, byte[] payload, int oui = 0) =>
        Concat([0xAA, 0xAA, 0x03, (byte)(oui >> 16), (byte)(oui >> 8), (byte)oui], U16(etherType), payload);

    /// <summary>An 802.3 frame: the addresses, a length field (the LLC PDU's length), then the LLC PDU.</summary>
    public static byte[] Ieee8023(byte[] llcPdu) => Concat(DestinationMac, SourceMac, U16(llcPdu.Length), llcPdu);

    /// <summary>FDDI MAC header (ISO 9314-2): frame control (0x50: asynchronous LLC, 48-bit addresses), destination, source.</summary>
    public static byte[] Fddi(byte[] llcPdu, byte frameControl = 0x50) => Concat([frameControl], DestinationMac, SourceMac, llcPdu);

    /// <summary>A TLV of LINKTYPE_NFLOG: length (header included) and type in the given byte order, the value, padding to 4.</summary>
    public static byte[] NflogTlv(int type, byte[] value, bool bigEndian = false, int? length = null)
    {
        var header = new byte[4];
        int tlvLength = length ?? 4 + value.Length;
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)tlvLength);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)type);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)tlvLength);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)type);
        }
        return Concat(header, value, new byte[(4 - (value.Length % 4)) % 4]);
    }

    /// <summary>
    /// LINKTYPE_NFLOG: family, version 0, resource id 5 (big-endian), then NFULA_PACKET_HDR (type 1, 4 bytes),
    /// NFULA_PREFIX (type 10, 3 bytes, so padding follows), and NFULA_PAYLOAD (type 9) holding <paramref name="packet"/>.
    /// </summary>
    public static byte[] Nflog(byte family, byte[] packet, bool bigEndian = false) =>
        Concat(
            [family, 0], U16(5),
            NflogTlv(1, Hex("0800 0300"), bigEndian),
            NflogTlv(10, "ab\0"u8.ToArray(), bigEndian),
            NflogTlv(9, packet, bigEndian));

    /// <summary>
    /// An IEEE 802.11 data frame (IEEE 802.11-2020 §9.3.2.1): frame control, duration, addresses 1-3, sequence
    /// control, address 4 when both DS bits are set, QoS control for QoS subtypes, HT control when +HTC is set too.
    /// </summary>
    /// <param name="subtype">0 data, 4 null data, 8 QoS data, 12 QoS null.</param>
    public static byte[] Ieee80211Data(byte[] body, int subtype = 0, bool toDs = true, bool fromDs = false,
        bool protectedFrame = false, bool order = false, bool amsdu = false, int type = 2, int version = 0)
    {
        bool qos = (subtype & 0x8) != 0;
        byte control = (byte)((subtype << 4) | (type << 2) | version);
        byte flags = (byte)((toDs ? 0x01 : 0) | (fromDs ? 0x02 : 0) | (protectedFrame ? 0x40 : 0) | (order ? 0x80 : 0));
        return Concat(
            [control, flags], U16(0x002C),
            BssidMac, SourceMac, DestinationMac,
            U16(0x1230),
            toDs && fromDs ? Hex("020000000004") : [],
            qos ? [(byte)(amsdu ? 0x80 : 0x00), 0x00] : [],
            qos && order ? Hex("0000c0ff") : [],
            body);
    }

    /// <summary>An A-MSDU subframe (§9.3.2.2.2): DA, SA, big-endian length, the LLC PDU, padding to 4 bytes.</summary>
    public static byte[] AmsduSubframe(byte[] llcPdu, bool pad = true) =>
        Concat(DestinationMac, SourceMac, U16(llcPdu.Length), llcPdu, pad ? new byte[(4 - ((14 + llcPdu.Length) % 4)) % 4] : []);

    /// <summary>
    /// A radiotap header (radiotap.org): version 0, pad, little-endian length, present words, then the fields:
    /// TSFT (8 bytes, 8-aligned) when asked, Flags, Rate, and a channel field so the length is not just the fixed part.
    /// </summary>
    /// <param name="extraPresentWords">More present words (bit 31 set in all but the last), as some drivers write.</param>
    public static byte[] Radiotap(byte[] ieee80211Frame, byte flags = 0, bool tsft = false, int extraPresentWords = 0)
    {
        uint present = 0x0000_000E | (tsft ? 1u : 0u) | (extraPresentWords > 0 ? 0x8000_0000u : 0u); // Flags, Rate, Channel
        var words = new List<byte[]> { U32LittleEndian(present) };
        for (int i = 0; i < extraPresentWords; i++)
        {
            words.Add(U32LittleEndian(i < extraPresentWords - 1 ? 0x8000_0000u : 0u));
        }
        byte[] presentWords = Concat([.. words]);
        int fieldsStart = 4 + presentWords.Length;
        byte[] tsftField = tsft ? Concat(new byte[(8 - (fieldsStart % 8)) % 8], U32LittleEndian(0x1234_5678), U32LittleEndian(0)) : [];
        int afterTsft = fieldsStart + tsftField.Length;
        // Flags (u8), Rate (u8), then Channel (2 x u16, 2-aligned).
        byte[] fields = Concat(tsftField, [flags, 0x02], new byte[(afterTsft + 2) % 2], U16LittleEndian(2437), U16LittleEndian(0x00A0));
        int length = 4 + presentWords.Length + fields.Length;
        return Concat([0, 0], U16LittleEndian(length), presentWords, fields, ieee80211Frame);
    }

    /// <summary>A Prism monitoring header: message code, length 144 (host order), device name, then DID items, 144 bytes in all.</summary>
    public static byte[] Prism(byte[] ieee80211Frame)
    {
        var header = new byte[144];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x0000_0041);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 144);
        "wlan0"u8.CopyTo(header.AsSpan(8));
        return Concat(header, ieee80211Frame);
    }

    /// <summary>An AVS capture header: big-endian magic 0x80211001, big-endian header length 64, then the rest of the 64 bytes.</summary>
    public static byte[] Avs(byte[] ieee80211Frame, uint magic = 0x8021_1001, uint length = 64)
    {
        var header = new byte[64];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), length);
        return Concat(header, ieee80211Frame);
    }

    public static byte[] U16LittleEndian(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
        return bytes;
    }
}
