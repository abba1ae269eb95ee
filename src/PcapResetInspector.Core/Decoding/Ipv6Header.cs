using System.Buffers.Binary;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Decoding;

/// <summary>A view over the fixed 40-byte IPv6 header (RFC 8200 §3).</summary>
public readonly ref struct Ipv6Header
{
    public const int Length = 40;

    private const int VersionOffset = 0;
    private const int PayloadLengthOffset = 4;
    private const int NextHeaderOffset = 6;
    private const int HopLimitOffset = 7;
    private const int SourceAddressOffset = 8;
    private const int DestinationAddressOffset = 24;
    private const int AddressLength = 16;

    private readonly ReadOnlySpan<byte> _bytes;

    private Ipv6Header(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when they hold the whole 40-byte fixed header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out Ipv6Header header)
    {
        if (bytes.Length < Length)
        {
            header = default;
            return false;
        }
        header = new Ipv6Header(bytes);
        return true;
    }

    public int Version => _bytes[VersionOffset] >> 4;

    /// <summary>Bytes after the fixed header, extension headers included; 0 for a jumbogram (RFC 2675).</summary>
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes[PayloadLengthOffset..]);

    public byte NextHeader => _bytes[NextHeaderOffset];

    public byte HopLimit => _bytes[HopLimitOffset];

    public ReadOnlySpan<byte> SourceAddressBytes => _bytes.Slice(SourceAddressOffset, AddressLength);

    public ReadOnlySpan<byte> DestinationAddressBytes => _bytes.Slice(DestinationAddressOffset, AddressLength);

    public IpAddress128 SourceAddress => IpAddress128.FromIPv6(SourceAddressBytes);

    public IpAddress128 DestinationAddress => IpAddress128.FromIPv6(DestinationAddressBytes);
}
