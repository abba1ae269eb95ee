using System.Buffers.Binary;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// TEST-ONLY. Finds the records of a classic pcap file in its bytes so the decoder can be run over the
/// shared corpus while the real reader is written elsewhere. It checks nothing a reader must check
/// (version, snaplen, lengths against origlen): it only stays inside the file, stopping at the first
/// record header that does not fit and cutting a record whose length runs past the end of the file.
/// Do not use it outside the decoder's corpus tests.
/// </summary>
internal static class MinimalPcapRecordsForDecoderTests
{
    private const uint MicrosecondMagic = 0xA1B2C3D4;
    private const uint NanosecondMagic = 0xA1B23C4D;
    /// <summary>Kuznetsov's patched libpcap: record headers have 8 more bytes (ifindex, protocol, pkt_type, pad).</summary>
    private const uint ModifiedMagic = 0xA1B2CD34;
    private const int FileHeaderLength = 24;
    private const int LinkTypeOffset = 20;
    private const int RecordHeaderLength = 16;
    private const int ModifiedRecordHeaderLength = 24;

    public readonly record struct Record(int DataOffset, int Length, long TimestampNanos);

    /// <summary>False when the bytes do not start with a classic pcap magic in either byte order.</summary>
    public static bool TryRead(byte[] file, out int linkType, out List<Record> records)
    {
        linkType = 0;
        records = [];
        if (file.Length < FileHeaderLength)
        {
            return false;
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool bigEndian = false;
        if (magic is not (MicrosecondMagic or NanosecondMagic or ModifiedMagic))
        {
            magic = BinaryPrimitives.ReverseEndianness(magic);
            bigEndian = true;
            if (magic is not (MicrosecondMagic or NanosecondMagic or ModifiedMagic))
            {
                return false;
            }
        }
        uint ReadU32(int offset) => bigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset))
            : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));

        // The link type is the low 16 bits; the upper bits hold FCS length and reserved bits.
        linkType = (int)(ReadU32(LinkTypeOffset) & 0xFFFF);
        int recordHeaderLength = magic == ModifiedMagic ? ModifiedRecordHeaderLength : RecordHeaderLength;
        long fractionToNanos = magic == NanosecondMagic ? 1 : 1000;

        int position = FileHeaderLength;
        while (file.Length - position >= recordHeaderLength)
        {
            long timestamp = ReadU32(position) * 1_000_000_000L + ReadU32(position + 4) * fractionToNanos;
            uint capturedLength = ReadU32(position + 8);
            int dataOffset = position + recordHeaderLength;
            int available = file.Length - dataOffset;
            int length = capturedLength > (uint)available ? available : (int)capturedLength;
            records.Add(new Record(dataOffset, length, timestamp));
            if (length < capturedLength)
            {
                break; // record cut by the end of the file
            }
            position = dataOffset + length;
        }
        return true;
    }
}
