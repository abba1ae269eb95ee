namespace PcapResetInspector.Core.Tests.Capture;

public enum PcapVariant
{
    Microsecond,
    Nanosecond,
    /// <summary>Kuznetzov's patched libpcap: magic A1B2CD34 and 24-byte record headers.</summary>
    Modified,
}

/// <summary>Writes classic pcap files (draft-ietf-opsawg-pcap) byte by byte, including broken ones.</summary>
internal sealed class PcapBuilder
{
    private readonly ByteWriter _writer = new();
    private readonly bool _bigEndian;
    private readonly PcapVariant _variant;

    public PcapBuilder(
        bool bigEndian = false,
        PcapVariant variant = PcapVariant.Microsecond,
        ushort major = 2,
        ushort minor = 4,
        uint snapLength = 65535,
        uint linkTypeField = 1)
    {
        _bigEndian = bigEndian;
        _variant = variant;
        uint magic = variant switch
        {
            PcapVariant.Nanosecond => 0xA1B23C4D,
            PcapVariant.Modified => 0xA1B2CD34,
            _ => 0xA1B2C3D4,
        };
        _writer.U32(magic, bigEndian)
            .U16(major, bigEndian)
            .U16(minor, bigEndian)
            .U32(0, bigEndian)            // thiszone
            .U32(0, bigEndian)            // sigfigs
            .U32(snapLength, bigEndian)
            .U32(linkTypeField, bigEndian);
    }

    public const int FileHeaderLength = 24;

    public int Length => _writer.Length;

    public int RecordHeaderLength => _variant == PcapVariant.Modified ? 24 : 16;

    /// <summary>A record whose captured length is the data's length.</summary>
    public PcapBuilder Record(uint seconds, uint fraction, byte[] data, uint? originalLength = null) =>
        RawRecord(seconds, fraction, (uint)data.Length, originalLength ?? (uint)data.Length, data);

    /// <summary>A record header with the two length fields written exactly as given, then the data.</summary>
    public PcapBuilder RawRecord(uint seconds, uint fraction, uint capturedLengthField, uint originalLengthField, byte[] data)
    {
        _writer.U32(seconds, _bigEndian)
            .U32(fraction, _bigEndian)
            .U32(capturedLengthField, _bigEndian)
            .U32(originalLengthField, _bigEndian);
        if (_variant == PcapVariant.Modified)
        {
            _writer.U32(7, _bigEndian)      // ifindex
                .U16(0x0800, _bigEndian)   // protocol
                .U8(0)                    // pkt_type
                .U8(0);                   // pad
        }

        _writer.Bytes(data);
        return this;
    }

    public PcapBuilder Raw(params byte[] bytes)
    {
        _writer.Bytes(bytes);
        return this;
    }

    public byte[] ToArray() => _writer.ToArray();
}
