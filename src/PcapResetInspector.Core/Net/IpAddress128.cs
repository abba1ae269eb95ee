using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace PcapResetInspector.Core.Net;

/// <summary>
/// An IP address as two 64-bit halves, so that connection keys hash and compare cheaply. IPv4 addresses are
/// stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) so both families share one key type.
/// It is this assembly's own type rather than System.UInt128 on purpose: ReadyToRun precompiles only
/// code whose struct layouts belong to the assembly, so every method holding a UInt128 was left to the
/// JIT and ran unoptimised through the first part of every run.
/// </summary>
public readonly struct IpAddress128 : IEquatable<IpAddress128>, IComparable<IpAddress128>, ISpanFormattable
{
    private const ulong MappedPrefixLow = 0x0000_FFFF_0000_0000UL;
    private const ulong MappedMaskLow = 0xFFFF_FFFF_0000_0000UL;

    /// <summary>Bytes 0–7 in network order.</summary>
    public readonly ulong High;

    /// <summary>Bytes 8–15 in network order.</summary>
    public readonly ulong Low;

    public IpAddress128(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    public static IpAddress128 FromIPv4(uint address) => new(0, MappedPrefixLow | address);

    /// <summary>Reads 4 bytes in network order.</summary>
    public static IpAddress128 FromIPv4(ReadOnlySpan<byte> bytes) => FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));

    /// <summary>Reads 16 bytes in network order.</summary>
    public static IpAddress128 FromIPv6(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public bool IsMappedIPv4 => High == 0 && (Low & MappedMaskLow) == MappedPrefixLow;

    public static bool IsIPv4(IpAddress128 address) => address.IsMappedIPv4;

    public static IpAddress128 FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? FromIPv4(bytes) : FromIPv6(bytes);
    }

    public static IpAddress128 Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    public static IPAddress ToIPAddress(IpAddress128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, address.High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], address.Low);
        return address.IsMappedIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    /// <summary>Writes the address in network order: 4 bytes for IPv4, 16 for IPv6. Returns the count written.</summary>
    public static int WriteBytes(IpAddress128 address, Span<byte> destination)
    {
        if (address.IsMappedIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address.Low);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, address.High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], address.Low);
        return 16;
    }

    /// <summary>Dotted quad for IPv4, RFC 5952 text for IPv6.</summary>
    public static string Format(IpAddress128 address)
    {
        Span<char> text = stackalloc char[MaxTextLength];
        address.TryFormat(text, out int length);
        return new string(text[..length]);
    }

    /// <summary>The longest text form: an IPv6 address with an embedded IPv4 one (RFC 4291 §2.2).</summary>
    public const int MaxTextLength = 45;

    /// <summary>
    /// Writes the text form into <paramref name="destination"/>. The dotted quad is written directly:
    /// exports of floods and scans format millions of addresses, and a string or an IPAddress for
    /// each was a tenth of what they allocated.
    /// </summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        if (!IsMappedIPv4)
            return ToIPAddress(this).TryFormat(destination, out charsWritten);
        uint value = (uint)Low;
        charsWritten = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            if (shift != 24)
            {
                if (charsWritten >= destination.Length)
                    return false;
                destination[charsWritten++] = '.';
            }
            if (!((byte)(value >> shift)).TryFormat(destination[charsWritten..], out int written, default, CultureInfo.InvariantCulture))
                return false;
            charsWritten += written;
        }
        return true;
    }

    bool ISpanFormattable.TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => Format(this);

    public override string ToString() => Format(this);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(IpAddress128 other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is IpAddress128 other && Equals(other);

    /// <summary>A multiplicative mix of the halves, folded: cheap, and the same in every process.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        ulong h = ((High * 0x9E3779B97F4A7C15UL) ^ Low) * 0xBF58476D1CE4E5B9UL;
        return (int)(h ^ (h >> 32));
    }

    /// <summary>Numeric order of the 128-bit value (the order of the bytes in network order).</summary>
    public int CompareTo(IpAddress128 other) =>
        High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public static bool operator ==(IpAddress128 left, IpAddress128 right) => left.Equals(right);

    public static bool operator !=(IpAddress128 left, IpAddress128 right) => !left.Equals(right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool operator <(IpAddress128 left, IpAddress128 right) =>
        left.High < right.High || (left.High == right.High && left.Low < right.Low);

    public static bool operator >(IpAddress128 left, IpAddress128 right) => right < left;

    public static bool operator <=(IpAddress128 left, IpAddress128 right) => !(right < left);

    public static bool operator >=(IpAddress128 left, IpAddress128 right) => !(left < right);
}
