using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

// IEEE 802.11 data frames, bare or behind a radio header (radiotap, Prism, AVS), and inside Aruba's GRE.
public static partial class PacketDecoder
{
    /// <summary>IEEE 802.11-2020 §9.2.4.1: the 2-byte Frame Control field.</summary>
    private const int Ieee80211FrameControlLength = 2;
    /// <summary>§9.3.2.1: frame control, duration, addresses 1-3, sequence control.</summary>
    private const int Ieee80211DataHeaderLength = 24;
    /// <summary>§9.3.2.1: address 4, present when both To DS and From DS are set.</summary>
    private const int Ieee80211Address4Length = 6;
    private const int Ieee80211QosControlLength = 2;
    /// <summary>§9.2.4.6: HT Control, present in QoS data frames whose +HTC (Order) bit is set.</summary>
    private const int Ieee80211HtControlLength = 4;
    /// <summary>First Frame Control byte: protocol version (bits 0-1), type (bits 2-3), subtype (bits 4-7).</summary>
    private const byte Ieee80211ProtocolVersionMask = 0x03;
    private const byte Ieee80211TypeMask = 0x0C;
    private const byte Ieee80211TypeData = 0x08;
    /// <summary>§9.2.4.1.3: subtype bit 2 marks the data subtypes without a body (Null, QoS Null, CF-Ack, CF-Poll).</summary>
    private const byte Ieee80211SubtypeNoDataBit = 0x40;
    /// <summary>§9.2.4.1.3: subtype bit 3 marks the QoS data subtypes.</summary>
    private const byte Ieee80211SubtypeQosBit = 0x80;
    /// <summary>Second Frame Control byte: To DS and From DS, Protected Frame, +HTC/Order.</summary>
    private const byte Ieee80211ToDsFromDs = 0x03;
    private const byte Ieee80211ProtectedBit = 0x40;
    private const byte Ieee80211OrderBit = 0x80;
    /// <summary>§9.2.4.5.9: QoS Control bit 7, A-MSDU Present.</summary>
    private const byte Ieee80211AmsduPresentBit = 0x80;
    /// <summary>§9.3.2.2.2: A-MSDU subframe header: DA, SA, then a big-endian length.</summary>
    private const int AmsduSubframeHeaderLength = 14;
    private const int AmsduLengthOffset = 12;

    /// <summary>Radiotap (radiotap.org): version, pad, little-endian length, little-endian present bitmap.</summary>
    private const int RadiotapFixedHeaderLength = 8;
    private const int RadiotapLengthOffset = 2;
    private const int RadiotapPresentOffset = 4;
    private const int RadiotapPresentWordLength = 4;
    private const uint RadiotapPresentTsft = 1u << 0;
    private const uint RadiotapPresentFlags = 1u << 1;
    private const uint RadiotapPresentExtended = 1u << 31;
    /// <summary>TSFT: a little-endian u64, aligned to 8 bytes from the start of the radiotap header.</summary>
    private const int RadiotapTsftLength = 8;
    /// <summary>Flags field: the 802.11 header is padded to a 32-bit boundary before the body.</summary>
    private const byte RadiotapFlagDataPad = 0x20;

    /// <summary>Prism monitoring header (linux-wlan-ng, LINKTYPE_PRISM_HEADER): a fixed 144 bytes, as tcpdump reads it.</summary>
    private const int PrismHeaderLength = 144;
    /// <summary>AVS capture header (LINKTYPE_IEEE802_11_AVS): a big-endian magic with the version in its low byte, then a big-endian header length.</summary>
    private const uint AvsMagicBase = 0x8021_1000;
    private const uint AvsMagicVersionMask = 0xFFFF_FF00;
    private const int AvsFixedHeaderLength = 8;
    private const int AvsLengthOffset = 4;

    /// <summary>
    /// An IEEE 802.11 frame (IEEE 802.11-2020 §9.2, §9.3.2). Data frames with a body are decoded through their LLC
    /// header; management, control and extension frames, null data and protected (encrypted) frames are not IP.
    /// Of an A-MSDU (§9.3.2.2) the first subframe is decoded: one frame gives one segment.
    /// </summary>
    /// <param name="dataPad">Radiotap's DATAPAD flag: the header is padded to a multiple of 4 bytes.</param>
    private static DecodeStatus DecodeIeee80211(ReadOnlySpan<byte> frame, int offset, bool dataPad, ref TcpSegment segment)
    {
        if (frame.Length - offset < Ieee80211FrameControlLength)
        {
            return DecodeStatus.Truncated;
        }
        byte control = frame[offset];
        byte flags = frame[offset + 1];
        // A protocol version other than 0 (PV1, §9.8) has another header layout; only data frames carry LLC.
        if ((control & Ieee80211ProtocolVersionMask) != 0
            || (control & Ieee80211TypeMask) != Ieee80211TypeData
            || (control & Ieee80211SubtypeNoDataBit) != 0)
        {
            return DecodeStatus.NotIp;
        }
        bool qos = (control & Ieee80211SubtypeQosBit) != 0;
        int qosOffset = Ieee80211DataHeaderLength + ((flags & Ieee80211ToDsFromDs) == Ieee80211ToDsFromDs ? Ieee80211Address4Length : 0);
        int headerLength = qosOffset
            + (qos ? Ieee80211QosControlLength : 0)
            + (qos && (flags & Ieee80211OrderBit) != 0 ? Ieee80211HtControlLength : 0);
        if (dataPad)
        {
            headerLength = (headerLength + 3) & ~3;
        }
        if (frame.Length - offset < headerLength)
        {
            return DecodeStatus.Truncated;
        }
        if ((flags & Ieee80211ProtectedBit) != 0)
        {
            return DecodeStatus.NotIp; // encrypted: WEP, TKIP, CCMP, GCMP
        }
        int body = offset + headerLength;
        if (qos && (frame[offset + qosOffset] & Ieee80211AmsduPresentBit) != 0)
        {
            if (frame.Length - body < AmsduSubframeHeaderLength)
            {
                return DecodeStatus.Truncated;
            }
            int subframeLength = BinaryPrimitives.ReadUInt16BigEndian(frame[(body + AmsduLengthOffset)..]);
            body += AmsduSubframeHeaderLength;
            frame = frame[..Math.Min(frame.Length, body + subframeLength)];
        }
        return DecodeLlc(frame, body, ref segment);
    }

    /// <summary>
    /// LINKTYPE_IEEE802_11_RADIOTAP (radiotap.org): skips the it_len bytes of the radiotap header. The Flags field,
    /// when present, is read for DATAPAD; an FCS at the end of the frame (the FCS flag) lies past the IP packet and
    /// needs nothing.
    /// </summary>
    private static DecodeStatus DecodeRadiotap(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < RadiotapFixedHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        ReadOnlySpan<byte> header = frame[offset..];
        int length = BinaryPrimitives.ReadUInt16LittleEndian(header[RadiotapLengthOffset..]);
        if (header[0] != 0 || length < RadiotapFixedHeaderLength)
        {
            return DecodeStatus.Malformed; // it_version is 0; it_len covers at least the fixed part
        }
        if (header.Length < length)
        {
            return DecodeStatus.Truncated;
        }
        header = header[..length];
        uint present = BinaryPrimitives.ReadUInt32LittleEndian(header[RadiotapPresentOffset..]);
        // Further present words follow while bit 31 is set; the fields come after the last one.
        int field = RadiotapFixedHeaderLength;
        uint word = present;
        while ((word & RadiotapPresentExtended) != 0)
        {
            if (header.Length - field < RadiotapPresentWordLength)
            {
                return DecodeStatus.Malformed;
            }
            word = BinaryPrimitives.ReadUInt32LittleEndian(header[field..]);
            field += RadiotapPresentWordLength;
        }
        byte flags = 0;
        if ((present & RadiotapPresentTsft) != 0)
        {
            field = ((field + RadiotapTsftLength - 1) & ~(RadiotapTsftLength - 1)) + RadiotapTsftLength;
        }
        if ((present & RadiotapPresentFlags) != 0)
        {
            if (field >= header.Length)
            {
                return DecodeStatus.Malformed;
            }
            flags = header[field];
        }
        return DecodeIeee80211(frame, offset + length, (flags & RadiotapFlagDataPad) != 0, ref segment);
    }

    /// <summary>LINKTYPE_PRISM_HEADER: 144 bytes, unless it starts with the AVS magic, which some Linux drivers write under this type.</summary>
    private static DecodeStatus DecodePrism(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset >= 4 && IsAvsMagic(BinaryPrimitives.ReadUInt32BigEndian(frame[offset..])))
        {
            return DecodeAvs(frame, offset, ref segment);
        }
        if (frame.Length - offset < PrismHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        return DecodeIeee80211(frame, offset + PrismHeaderLength, dataPad: false, ref segment);
    }

    /// <summary>LINKTYPE_IEEE802_11_AVS: the AVS capture header of the length it gives, then the 802.11 frame.</summary>
    private static DecodeStatus DecodeAvs(ReadOnlySpan<byte> frame, int offset, ref TcpSegment segment)
    {
        if (frame.Length - offset < AvsFixedHeaderLength)
        {
            return DecodeStatus.Truncated;
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(frame[(offset + AvsLengthOffset)..]);
        if (!IsAvsMagic(BinaryPrimitives.ReadUInt32BigEndian(frame[offset..])) || length < AvsFixedHeaderLength)
        {
            return DecodeStatus.Malformed;
        }
        if ((uint)(frame.Length - offset) < length)
        {
            return DecodeStatus.Truncated;
        }
        return DecodeIeee80211(frame, offset + (int)length, dataPad: false, ref segment);
    }

    private static bool IsAvsMagic(uint value) => (value & AvsMagicVersionMask) == AvsMagicBase;
}
