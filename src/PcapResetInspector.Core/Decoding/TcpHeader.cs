using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

/// <summary>
/// A view over the fixed 20 bytes of a TCP header (RFC 9293 §3.1). It checks only that those bytes are
/// there; the options may be cut by the snapshot length, so they are read separately.
/// </summary>
public readonly ref struct TcpHeader
{
    public const int MinimumLength = 20;
    /// <summary>Data offset is 4 bits of 32-bit words: 15 * 4.</summary>
    public const int MaximumLength = 60;

    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int SequenceNumberOffset = 4;
    private const int AcknowledgmentNumberOffset = 8;
    private const int DataOffsetOffset = 12;
    private const int FlagsOffset = 13;
    private const int WindowOffset = 14;
    private const int ChecksumOffset = 16;
    private const int UrgentPointerOffset = 18;

    /// <summary>NS (RFC 3540) is the lowest bit of the data-offset byte; the other control bits fill the next byte.</summary>
    private const int NonceSumBit = 0x01;

    private readonly ReadOnlySpan<byte> _bytes;

    private TcpHeader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when they hold at least the 20 fixed header bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out TcpHeader header)
    {
        if (bytes.Length < MinimumLength)
        {
            header = default;
            return false;
        }
        header = new TcpHeader(bytes);
        return true;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SourcePortOffset..]);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_bytes[DestinationPortOffset..]);

    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes[SequenceNumberOffset..]);

    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes[AcknowledgmentNumberOffset..]);

    /// <summary>The data offset field in bytes (the field counts 32-bit words): options included.</summary>
    public int HeaderLength => (_bytes[DataOffsetOffset] >> 4) * 4;

    public TcpFlags Flags => (TcpFlags)(((_bytes[DataOffsetOffset] & NonceSumBit) << 8) | _bytes[FlagsOffset]);

    /// <summary>The three reserved bits between the data offset and the flags (RFC 9293 §3.1): senders must send zero.</summary>
    public byte ReservedBits => (byte)((_bytes[DataOffsetOffset] >> 1) & 0x7);

    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_bytes[WindowOffset..]);

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);

    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_bytes[UrgentPointerOffset..]);
}
