using System.Buffers.Binary;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Tests.Fuzzing;

/// <summary>What a field holds, which decides the values a mutation tries in it.</summary>
internal enum FieldKind
{
    Length,
    Timestamp,
    LinkType,
    Version,
    InterfaceId,
    /// <summary>A TCP sequence or acknowledgment number.</summary>
    Sequence,
    Port,
    OptionCode,
    /// <summary>The low or high four bits of one byte (IPv4 IHL, TCP data offset, IP version).</summary>
    LowNibble,
    HighNibble,
    Byte,
}

/// <summary>A field of a capture file or of a packet in it: where, how wide, which byte order.</summary>
internal readonly record struct CaptureField(int Offset, int Width, bool BigEndian, FieldKind Kind, string Name);

/// <summary>A pcap record or a pcapng block (<paramref name="BlockType"/>; -1 for pcap), headers included.</summary>
internal readonly record struct CaptureRecord(int Offset, int Length, string Name, long BlockType = -1, bool BigEndian = false);

/// <summary>
/// The structure of a pcap or pcapng file as far as it can be walked: records or blocks, their length
/// and timestamp fields, and the IP and TCP header fields of the frames that decode as TCP. Written
/// apart from the readers under test (from pcap(5) and the pcapng draft) so that it shares none of
/// their mistakes; it stops quietly where the file stops making sense.
/// </summary>
internal sealed class CaptureLayout
{
    private const uint PcapMicro = 0xA1B2C3D4, PcapNano = 0xA1B23C4D, PcapModified = 0xA1B2CD34;
    private const uint SectionHeader = 0x0A0D0D0A, ByteOrderMagic = 0x1A2B3C4D;

    public List<CaptureField> Fields { get; } = [];

    public List<CaptureRecord> Records { get; } = [];

    /// <summary>Offsets of every record start, and of the end of the last one walked.</summary>
    public List<int> Boundaries { get; } = [];

    public static CaptureLayout Parse(byte[] data)
    {
        var layout = new CaptureLayout();
        if (data.Length >= 4)
        {
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(data);
            if (magic == SectionHeader)
                layout.ParsePcapNg(data);
            else if (magic is PcapMicro or PcapNano or PcapModified
                     || BinaryPrimitives.ReverseEndianness(magic) is PcapMicro or PcapNano or PcapModified)
                layout.ParsePcap(data, magic);
        }
        return layout;
    }

    private void ParsePcap(byte[] data, uint magic)
    {
        bool be = magic is PcapMicro or PcapNano or PcapModified;
        uint native = be ? magic : BinaryPrimitives.ReverseEndianness(magic);
        int headerLength = native == PcapModified ? 24 : 16;
        if (data.Length < 24)
            return;
        Fields.Add(new CaptureField(4, 2, be, FieldKind.Version, "pcap major version"));
        Fields.Add(new CaptureField(6, 2, be, FieldKind.Version, "pcap minor version"));
        Fields.Add(new CaptureField(16, 4, be, FieldKind.Length, "pcap snaplen"));
        Fields.Add(new CaptureField(20, 4, be, FieldKind.LinkType, "pcap link type"));
        int linkType = (int)(Read(data, 20, 4, be) & 0xFFFF);
        int offset = 24;
        int index = 0;
        while (offset + headerLength <= data.Length)
        {
            Boundaries.Add(offset);
            uint captured = (uint)Read(data, offset + 8, 4, be);
            string name = $"pcap record #{index}";
            Fields.Add(new CaptureField(offset, 4, be, FieldKind.Timestamp, name + " seconds"));
            Fields.Add(new CaptureField(offset + 4, 4, be, FieldKind.Timestamp, name + " sub-seconds"));
            Fields.Add(new CaptureField(offset + 8, 4, be, FieldKind.Length, name + " captured length"));
            Fields.Add(new CaptureField(offset + 12, 4, be, FieldKind.Length, name + " original length"));
            long end = (long)offset + headerLength + captured;
            Records.Add(new CaptureRecord(offset, (int)Math.Min(end, data.Length) - offset, name));
            AddFrameFields(data, offset + headerLength, (int)Math.Min(captured, (uint)(data.Length - offset - headerLength)), linkType, name);
            if (end > data.Length)
                return;
            offset = (int)end;
            index++;
        }
        Boundaries.Add(offset);
    }

    private void ParsePcapNg(byte[] data)
    {
        bool be = false;
        var linkTypes = new List<int>();
        int offset = 0;
        int index = 0;
        while (offset + 12 <= data.Length)
        {
            Boundaries.Add(offset);
            uint type = (uint)Read(data, offset, 4, be);
            if (type == SectionHeader)
            {
                // The byte-order magic decides how this section, its own length included, is read.
                if (BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset + 8)) == ByteOrderMagic)
                    be = true;
                else if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 8)) == ByteOrderMagic)
                    be = false;
                linkTypes.Clear();
            }
            uint length = (uint)Read(data, offset + 4, 4, be);
            string name = $"pcapng block #{index} (type {type})";
            Fields.Add(new CaptureField(offset + 4, 4, be, FieldKind.Length, name + " total length"));
            if (length < 12 || length % 4 != 0 || length > data.Length - offset)
                return;
            Records.Add(new CaptureRecord(offset, (int)length, name, type, be));
            Fields.Add(new CaptureField(offset + (int)length - 4, 4, be, FieldKind.Length, name + " trailing total length"));
            int end = offset + (int)length - 4;
            switch (type)
            {
                case SectionHeader when length >= 28:
                    Fields.Add(new CaptureField(offset + 12, 2, be, FieldKind.Version, name + " major version"));
                    Fields.Add(new CaptureField(offset + 16, 8, be, FieldKind.Length, name + " section length"));
                    AddOptionFields(data, offset + 24, end, be, name);
                    break;
                case 1 when length >= 20:
                    Fields.Add(new CaptureField(offset + 8, 2, be, FieldKind.LinkType, name + " link type"));
                    Fields.Add(new CaptureField(offset + 12, 4, be, FieldKind.Length, name + " snaplen"));
                    linkTypes.Add((int)Read(data, offset + 8, 2, be));
                    AddOptionFields(data, offset + 16, end, be, name);
                    break;
                case 2 or 6 when length >= 32:
                {
                    uint interfaceId = (uint)Read(data, offset + 8, type == 6 ? 4 : 2, be);
                    uint captured = (uint)Read(data, offset + 20, 4, be);
                    Fields.Add(new CaptureField(offset + 8, type == 6 ? 4 : 2, be, FieldKind.InterfaceId, name + " interface id"));
                    Fields.Add(new CaptureField(offset + 12, 4, be, FieldKind.Timestamp, name + " timestamp high"));
                    Fields.Add(new CaptureField(offset + 16, 4, be, FieldKind.Timestamp, name + " timestamp low"));
                    Fields.Add(new CaptureField(offset + 20, 4, be, FieldKind.Length, name + " captured length"));
                    Fields.Add(new CaptureField(offset + 24, 4, be, FieldKind.Length, name + " original length"));
                    int frameLength = (int)Math.Min(captured, length - 32);
                    if (interfaceId < linkTypes.Count)
                        AddFrameFields(data, offset + 28, frameLength, linkTypes[(int)interfaceId], name);
                    AddOptionFields(data, offset + 28 + ((frameLength + 3) & ~3), end, be, name);
                    break;
                }
                case 3 when length >= 16:
                {
                    uint original = (uint)Read(data, offset + 8, 4, be);
                    Fields.Add(new CaptureField(offset + 8, 4, be, FieldKind.Length, name + " original length"));
                    if (linkTypes.Count > 0)
                        AddFrameFields(data, offset + 12, (int)Math.Min(original, length - 16), linkTypes[0], name);
                    break;
                }
            }
            offset += (int)length;
            index++;
        }
        Boundaries.Add(offset);
    }

    /// <summary>pcapng options (§3.5): code u16, length u16, value padded to 32 bits.</summary>
    private void AddOptionFields(byte[] data, int offset, int end, bool be, string blockName)
    {
        while (offset + 4 <= end)
        {
            ushort code = (ushort)Read(data, offset, 2, be);
            int length = (int)Read(data, offset + 2, 2, be);
            Fields.Add(new CaptureField(offset, 2, be, FieldKind.OptionCode, $"{blockName} option {code} code"));
            Fields.Add(new CaptureField(offset + 2, 2, be, FieldKind.Length, $"{blockName} option {code} length"));
            if (length > 0 && offset + 4 < end)
                Fields.Add(new CaptureField(offset + 4, 1, be, FieldKind.Byte, $"{blockName} option {code} first value byte"));
            if (code == 0)
                return;
            offset += 4 + ((length + 3) & ~3);
        }
    }

    /// <summary>The IP and TCP header fields of a frame that decodes as TCP (offsets from the decoder).</summary>
    private void AddFrameFields(byte[] data, int frameOffset, int frameLength, int linkType, string recordName)
    {
        if (frameLength <= 0 || frameOffset + frameLength > data.Length)
            return;
        ReadOnlySpan<byte> frame = data.AsSpan(frameOffset, frameLength);
        if (PacketDecoder.Decode(frame, linkType, 0, out TcpSegment segment) != DecodeStatus.Tcp)
            return;
        int ip = frameOffset + segment.IpHeaderOffset;
        int tcp = frameOffset + segment.TcpHeaderOffset;
        string name = recordName + (segment.IpVersion == 4 ? " IPv4 " : " IPv6 ");
        Fields.Add(new CaptureField(ip, 1, true, FieldKind.HighNibble, name + "version"));
        if (segment.IpVersion == 4)
        {
            Fields.Add(new CaptureField(ip, 1, true, FieldKind.LowNibble, name + "header length"));
            Fields.Add(new CaptureField(ip + 2, 2, true, FieldKind.Length, name + "total length"));
            Fields.Add(new CaptureField(ip + 6, 2, true, FieldKind.Byte, name + "flags and fragment offset"));
            Fields.Add(new CaptureField(ip + 9, 1, true, FieldKind.Byte, name + "protocol"));
        }
        else
        {
            Fields.Add(new CaptureField(ip + 4, 2, true, FieldKind.Length, name + "payload length"));
            Fields.Add(new CaptureField(ip + 6, 1, true, FieldKind.Byte, name + "next header"));
        }
        Fields.Add(new CaptureField(tcp, 2, true, FieldKind.Port, recordName + " TCP source port"));
        Fields.Add(new CaptureField(tcp + 2, 2, true, FieldKind.Port, recordName + " TCP destination port"));
        Fields.Add(new CaptureField(tcp + 4, 4, true, FieldKind.Sequence, recordName + " TCP sequence number"));
        Fields.Add(new CaptureField(tcp + 8, 4, true, FieldKind.Sequence, recordName + " TCP acknowledgment number"));
        Fields.Add(new CaptureField(tcp + 14, 2, true, FieldKind.Length, recordName + " TCP window"));
        Fields.Add(new CaptureField(tcp + 12, 1, true, FieldKind.HighNibble, recordName + " TCP data offset"));
        Fields.Add(new CaptureField(tcp + 13, 1, true, FieldKind.Byte, recordName + " TCP flags"));
        // TCP options (RFC 9293 §3.1): kind, length, value; 0 ends them, 1 is one byte of padding.
        int optionsEnd = Math.Min(tcp + (data[tcp + 12] >> 4) * 4, frameOffset + frameLength);
        for (int at = tcp + 20; at + 1 < optionsEnd;)
        {
            byte kind = data[at];
            if (kind == 0)
                break;
            if (kind == 1)
            {
                at++;
                continue;
            }
            Fields.Add(new CaptureField(at + 1, 1, true, FieldKind.Length, $"{recordName} TCP option {kind} length"));
            at += Math.Max(2, (int)data[at + 1]);
        }
    }

    public static ulong Read(byte[] data, int offset, int width, bool bigEndian)
    {
        ReadOnlySpan<byte> span = data.AsSpan(offset, width);
        return width switch
        {
            1 => span[0],
            2 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span),
            4 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span),
            _ => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(span) : BinaryPrimitives.ReadUInt64LittleEndian(span),
        };
    }

    public static void Write(byte[] data, int offset, int width, bool bigEndian, ulong value)
    {
        Span<byte> span = data.AsSpan(offset, width);
        switch (width)
        {
            case 1:
                span[0] = (byte)value;
                break;
            case 2:
                if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value);
                else BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value);
                break;
            case 4:
                if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(span, (uint)value);
                else BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value);
                break;
            default:
                if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(span, value);
                else BinaryPrimitives.WriteUInt64LittleEndian(span, value);
                break;
        }
    }
}
