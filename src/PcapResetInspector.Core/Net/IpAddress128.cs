using System.Buffers.Binary;
using System.Net;

namespace PcapResetInspector.Core.Net;

/// <summary>
/// Addresses are kept as one UInt128 so that flow keys hash and compare cheaply. IPv4 addresses are
/// stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) so both families share one key type.
/// </summary>
public static class IpAddress128
{
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000UL);
    private static readonly UInt128 MappedMask = new(ulong.MaxValue, 0xFFFF_FFFF_0000_0000UL);

    public static UInt128 FromIPv4(uint address) => MappedPrefix | address;

    /// <summary>Reads 4 bytes in network order.</summary>
    public static UInt128 FromIPv4(ReadOnlySpan<byte> bytes) => FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));

    /// <summary>Reads 16 bytes in network order.</summary>
    public static UInt128 FromIPv6(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public static bool IsIPv4(UInt128 address) => (address & MappedMask) == MappedPrefix;

    public static UInt128 FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        return FromIPv6(bytes);
    }

    public static UInt128 Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    public static IPAddress ToIPAddress(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)(address >> 64));
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (ulong)address);
        return IsIPv4(address) ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    /// <summary>Writes the address in network order: 4 bytes for IPv4, 16 for IPv6. Returns the count written.</summary>
    public static int WriteBytes(UInt128 address, Span<byte> destination)
    {
        if (IsIPv4(address))
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)(address >> 64));
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (ulong)address);
        return 16;
    }

    /// <summary>Dotted quad for IPv4, RFC 5952 text for IPv6.</summary>
    public static string Format(UInt128 address) => ToIPAddress(address).ToString();
}
