using System.Net;

namespace PcapResetInspector.LibPcap.Tests;

public class CaptureDevicesTests
{
    [LibPcapFact]
    public void List_HasTheLoopbackInterface_UpAndWithItsAddress()
    {
        IReadOnlyList<CaptureDevice> devices = CaptureDevices.List();
        CaptureDevice loopback = Assert.Single(devices, device => device.IsLoopback);
        Assert.True(loopback.IsUp);
        Assert.False(loopback.IsWireless);
        Assert.Contains("127.0.0.1/8", loopback.Addresses);
        Assert.All(devices.Where(device => !device.IsLoopback), device => Assert.DoesNotContain("127.0.0.1/8", device.Addresses));
        Assert.Equal(devices.Count, devices.Select(device => device.Name).Distinct().Count());
    }

    [LibPcapFact]
    public void List_FormatsEveryAddressAsAnIpWithAnOptionalPrefix()
    {
        foreach (string address in CaptureDevices.List().SelectMany(device => device.Addresses))
        {
            string[] parts = address.Split('/');
            Assert.InRange(parts.Length, 1, 2);
            Assert.True(IPAddress.TryParse(parts[0], out IPAddress? ip), address);
            if (parts.Length == 2)
                Assert.InRange(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), 0, ip!.GetAddressBytes().Length * 8);
        }
    }
}

public class SocketAddressLayoutTests
{
    private static byte[] Sockaddr(SocketAddressLayout layout, int family, int length, int addressOffset, byte[] address)
    {
        var bytes = new byte[length];
        if (layout.LeadingLengthByte)
        {
            bytes[0] = (byte)length;
            bytes[1] = (byte)family;
        }
        else
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), (ushort)family);   // host byte order, as the OS writes it
        }

        bytes[2] = 0x01;   // a port, which must be ignored
        address.CopyTo(bytes, addressOffset);
        return bytes;
    }

    public static TheoryData<string> Layouts => ["Linux", "Windows", "MacOS", "FreeBsd"];

    private static SocketAddressLayout ByName(string name) => name switch
    {
        "Linux" => SocketAddressLayout.Linux,
        "Windows" => SocketAddressLayout.Windows,
        "MacOS" => SocketAddressLayout.MacOS,
        _ => SocketAddressLayout.FreeBsd,
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ReadsIpv4AndIpv6InEachLayout(string layoutName)
    {
        SocketAddressLayout layout = ByName(layoutName);
        IPAddress v4 = IPAddress.Parse("192.0.2.33");
        IPAddress v6 = IPAddress.Parse("2001:db8::1:2");
        byte[] sin = Sockaddr(layout, layout.InetFamily, SocketAddressLayout.Inet4Length, 4, v4.GetAddressBytes());
        byte[] sin6 = Sockaddr(layout, layout.Inet6Family, SocketAddressLayout.Inet6Length, 8, v6.GetAddressBytes());

        Assert.Equal(layout.InetFamily, layout.ReadFamily(sin));
        Assert.Equal(v4, layout.ToAddress(sin, layout.ReadFamily(sin)));
        Assert.Equal(layout.Inet6Family, layout.ReadFamily(sin6));
        Assert.Equal(v6, layout.ToAddress(sin6, layout.ReadFamily(sin6)));
    }

    [Fact]
    public void FamilyNumbers_DifferPerOs()
    {
        Assert.Equal(10, SocketAddressLayout.Linux.Inet6Family);
        Assert.Equal(23, SocketAddressLayout.Windows.Inet6Family);
        Assert.Equal(30, SocketAddressLayout.MacOS.Inet6Family);
        Assert.True(SocketAddressLayout.MacOS.LeadingLengthByte);
        Assert.False(SocketAddressLayout.Linux.LeadingLengthByte);
        // Linux's AF_PACKET (17) and a macOS AF_LINK (18) entry are no IP address.
        Assert.Equal(0, SocketAddressLayout.Linux.LengthFor(17));
        Assert.Null(SocketAddressLayout.MacOS.ToAddress(new byte[20], 18));
        // A Linux AF_INET6 number read with the macOS layout is not IPv6 there.
        Assert.Equal(0, SocketAddressLayout.MacOS.LengthFor(10));
    }

    [Fact]
    public void ShortBsdNetmask_ReadsMissingBytesAsZero()
    {
        // sa_len 6, family unset: 255.255.0.0 with its trailing zero bytes left out, as BSD routing code stores masks.
        byte[] mask = [6, 0, 0, 0, 255, 255];
        SocketAddressLayout layout = SocketAddressLayout.MacOS;
        Assert.Equal(6, layout.ReadableLength(mask, SocketAddressLayout.Inet4Length));
        IPAddress? netmask = layout.ToAddress(mask, layout.InetFamily);
        Assert.Equal(IPAddress.Parse("255.255.0.0"), netmask);
        Assert.Equal(16, SocketAddressLayout.PrefixLength(netmask!));
        Assert.Equal(SocketAddressLayout.Inet4Length, SocketAddressLayout.Linux.ReadableLength(mask, SocketAddressLayout.Inet4Length));
    }

    [Theory]
    [InlineData("255.0.0.0", 8)]
    [InlineData("255.255.255.255", 32)]
    [InlineData("0.0.0.0", 0)]
    [InlineData("255.255.255.192", 26)]
    [InlineData("ffff:ffff:ffff:ffff::", 64)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128)]
    [InlineData("255.0.255.0", null)]
    public void PrefixLength_CountsLeadingOnes_OrNullForAWildcardMask(string mask, int? expected)
    {
        Assert.Equal(expected, SocketAddressLayout.PrefixLength(IPAddress.Parse(mask)));
    }
}
