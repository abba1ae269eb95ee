using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

/// <summary>
/// A view over the fixed part of an IPv4 header (RFC 791 §3.1). It checks only that the 20 fixed
/// bytes are there; the decoder judges the field values.
/// </summary>
public readonly ref struct Ipv4Header
{
    public const int MinimumLength = 20;

    private const int VersionAndIhlOffset = 0;
    private const int TotalLengthOffset = 2;
    private const int IdentificationOffset = 4;
    private const int FlagsAndFragmentOffsetOffset = 6;
    private const int TtlOffset = 8;
    private const int ProtocolOffset = 9;
    private const int SourceAddressOffset = 12;
    private const int DestinationAddressOffset = 16;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly ReadOnlySpan<byte> _bytes;

    private Ipv4Header(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when they hold at least the 20 fixed header bytes.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out Ipv4Header header)
    {
        if (bytes.Length < MinimumLength)
        {
            header = default;
            return false;
        }
        header = new Ipv4Header(bytes);
        return true;
    }

    public int Version => _bytes[VersionAndIhlOffset] >> 4;

    /// <summary>IHL in bytes (IHL counts 32-bit words).</summary>
    public int HeaderLength => (_bytes[VersionAndIhlOffset] & 0x0F) * 4;

    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes[TotalLengthOffset..]);

    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentificationOffset..]);

    private ushort FlagsAndFragmentOffset => BinaryPrimitives.ReadUInt16BigEndian(_bytes[FlagsAndFragmentOffsetOffset..]);

    public bool DontFragment => (FlagsAndFragmentOffset & DontFragmentBit) != 0;

    public bool MoreFragments => (FlagsAndFragmentOffset & MoreFragmentsBit) != 0;

    /// <summary>Fragment offset in 8-byte units; non-zero means the fragment holds no transport header.</summary>
    public int FragmentOffset => FlagsAndFragmentOffset & FragmentOffsetMask;

    public byte Ttl => _bytes[TtlOffset];

    public byte Protocol => _bytes[ProtocolOffset];

    public uint SourceAddress => BinaryPrimitives.ReadUInt32BigEndian(_bytes[SourceAddressOffset..]);

    public uint DestinationAddress => BinaryPrimitives.ReadUInt32BigEndian(_bytes[DestinationAddressOffset..]);
}
