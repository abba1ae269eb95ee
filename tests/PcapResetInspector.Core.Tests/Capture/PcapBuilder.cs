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
    private readonly ByteWriter writer = new();
    private readonly bool bigEndian;
    private readonly PcapVariant variant;

    public PcapBuilder(
        bool bigEndian = false,
        PcapVariant variant = PcapVariant.Microsecond,
        ushort major = 2,
        ushort minor = 4,
        uint snapLength = 65535,
        uint linkTypeField = 1)
    {
        this.bigEndian = bigEndian;
        this.variant = variant;
        uint magic = variant switch
        {
            PcapVariant.Nanosecond => 0xA1B23C4D,
            PcapVariant.Modified => 0xA1B2CD34,
            _ => 0xA1B2C3D4,
        };
        writer.U32(magic, bigEndian)
            .U16(major, bigEndian)
            .U16(minor, bigEndian)
            .U32(0, bigEndian)            // thiszone
            .U32(0, bigEndian)            // sigfigs
            .U32(snapLength, bigEndian)
            .U32(linkTypeField, bigEndian);
    }

    public const int FileHeaderLength = 24;

    public int Length => writer.Length;

    public int RecordHeaderLength => variant == PcapVariant.Modified ? 24 : 16;

    /// <summary>A record whose captured length is the data's length.</summary>
    public PcapBuilder Record(uint seconds, uint fraction, byte[] data, uint? originalLength = null) =>
        RawRecord(seconds, fraction, (uint)data.Length, originalLength ?? (uint)data.Length, data);

    /// <summary>A record header with the two length fields written exactly as given, then the data.</summary>
    public PcapBuilder RawRecord(uint seconds, uint fraction, uint capturedLengthField, uint originalLengthField, byte[] data)
    {
        writer.U32(seconds, bigEndian)
            .U32(fraction, bigEndian)
            .U32(capturedLengthField, bigEndian)
            .U32(originalLengthField, bigEndian);
        if (variant == PcapVariant.Modified)
        {
            writer.U32(7, bigEndian)      // ifindex
                .U16(0x0800, bigEndian)   // protocol
                .U8(0)                    // pkt_type
                .U8(0);                   // pad
        }

        writer.Bytes(data);
        return this;
    }

    public PcapBuilder Raw(params byte[] bytes)
    {
        writer.Bytes(bytes);
        return this;
    }

    public byte[] ToArray() => writer.ToArray();
}
