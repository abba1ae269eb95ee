using System.Net;
using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// How this operating system lays out struct sockaddr. Linux and Windows start with a 16-bit sa_family in
/// host byte order; macOS and the BSDs start with a one-byte sa_len and a one-byte sa_family (4.4BSD
/// sockaddr). AF_INET is 2 everywhere; AF_INET6 is 10 on Linux, 23 on Windows, 30 on macOS, 28 on FreeBSD.
/// The address sits at offset 4 in sockaddr_in and offset 8 in sockaddr_in6 on all of them.
/// </summary>
internal sealed record SocketAddressLayout(bool LeadingLengthByte, int InetFamily, int Inet6Family)
{
    // RFC 2553 §3.3 / POSIX netinet/in.h: sin_addr after family and port; sin6_addr after family, port, flowinfo.
    private const int Inet4AddressOffset = 4;
    private const int Inet6AddressOffset = 8;

    /// <summary>Bytes to have before the family can be read.</summary>
    public const int FamilyFieldLength = 2;

    /// <summary>sizeof(struct sockaddr_in): what must be readable for an IPv4 address.</summary>
    public const int Inet4Length = 16;

    /// <summary>sizeof(struct sockaddr_in6).</summary>
    public const int Inet6Length = 28;

    public static readonly SocketAddressLayout Linux = new(LeadingLengthByte: false, InetFamily: 2, Inet6Family: 10);
    public static readonly SocketAddressLayout Windows = new(LeadingLengthByte: false, InetFamily: 2, Inet6Family: 23);
    public static readonly SocketAddressLayout MacOS = new(LeadingLengthByte: true, InetFamily: 2, Inet6Family: 30);
    public static readonly SocketAddressLayout FreeBsd = new(LeadingLengthByte: true, InetFamily: 2, Inet6Family: 28);

    public static SocketAddressLayout Current { get; } =
        OperatingSystem.IsWindows() ? Windows
        : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() ? MacOS
        : OperatingSystem.IsFreeBSD() ? FreeBsd
        : Linux;

    /// <summary>The address family number from the first <see cref="FamilyFieldLength"/> bytes (host byte order).</summary>
    public int ReadFamily(ReadOnlySpan<byte> sockaddr) =>
        LeadingLengthByte ? sockaddr[1] : MemoryMarshal.Read<ushort>(sockaddr);

    /// <summary>
    /// How many bytes a sockaddr of <paramref name="family"/> needs to be read as an address, or 0 for a
    /// family that is neither IPv4 nor IPv6 (AF_PACKET, AF_LINK).
    /// </summary>
    public int LengthFor(int family) =>
        family == InetFamily ? Inet4Length : family == Inet6Family ? Inet6Length : 0;

    /// <summary>
    /// Bytes of the sockaddr that may be read, given its first <see cref="FamilyFieldLength"/> bytes and the
    /// struct length of its family. BSD netmasks can be shorter than their struct (sa_len 5 for 255.0.0.0,
    /// trailing zero bytes left out), and libpcap copies only sa_len bytes.
    /// </summary>
    public int ReadableLength(ReadOnlySpan<byte> head, int structLength) =>
        LeadingLengthByte && head[0] != 0 ? Math.Min(head[0], structLength) : structLength;

    /// <summary>
    /// The address in a sockaddr of <paramref name="family"/>, reading bytes missing at the end as zero;
    /// null for a family that is neither IPv4 nor IPv6.
    /// </summary>
    public IPAddress? ToAddress(ReadOnlySpan<byte> sockaddr, int family)
    {
        int length = LengthFor(family);
        if (length == 0)
            return null;
        Span<byte> whole = stackalloc byte[Inet6Length];
        whole.Clear();
        sockaddr[..Math.Min(sockaddr.Length, length)].CopyTo(whole);

        // sin_addr and sin6_addr are in network byte order, which is what IPAddress takes.
        return family == InetFamily
            ? new IPAddress(whole.Slice(Inet4AddressOffset, 4))
            : new IPAddress(whole.Slice(Inet6AddressOffset, 16));
    }

    /// <summary>
    /// Leading one bits of a netmask, or null when the mask is not contiguous (a wildcard mask) and so is no
    /// prefix length.
    /// </summary>
    public static int? PrefixLength(IPAddress netmask)
    {
        Span<byte> bytes = stackalloc byte[16];
        netmask.TryWriteBytes(bytes, out int count);
        int prefix = 0;
        bool zeroSeen = false;
        foreach (byte value in bytes[..count])
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                bool one = (value >> bit & 1) != 0;
                if (one && zeroSeen)
                    return null;
                if (one)
                    prefix++;
                else
                    zeroSeen = true;
            }
        }

        return prefix;
    }
}
