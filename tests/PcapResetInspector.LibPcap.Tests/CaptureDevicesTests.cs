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
            Assert.DoesNotContain("%", address, StringComparison.Ordinal);   // no IPv6 scope, as before SharpPcap
            string[] parts = address.Split('/');
            Assert.InRange(parts.Length, 1, 2);
            Assert.True(IPAddress.TryParse(parts[0], out IPAddress? ip), address);
            if (parts.Length == 2)
                Assert.InRange(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), 0, ip!.GetAddressBytes().Length * 8);
        }
    }
}

public class PrefixLengthTests
{
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
        Assert.Equal(expected, CaptureDevices.PrefixLength(IPAddress.Parse(mask)));
    }
}
