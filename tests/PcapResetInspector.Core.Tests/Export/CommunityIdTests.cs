using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>The reference values published with the Community ID spec (version 1, seed 0).</summary>
public class CommunityIdTests
{
    [Theory]
    [InlineData("128.232.110.120", 34855, "66.35.250.204", 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=")]
    public void MatchesTheSpecsReferenceValues_InBothDirections(string source, int sourcePort, string destination, int destinationPort, string expected)
    {
        IpAddress128 a = IpAddress128.Parse(source), b = IpAddress128.Parse(destination);
        Assert.Equal(expected, CommunityId.Compute(a, (ushort)sourcePort, b, (ushort)destinationPort));
        Assert.Equal(expected, CommunityId.Compute(b, (ushort)destinationPort, a, (ushort)sourcePort));
        Span<char> text = stackalloc char[CommunityId.TextLength];
        Assert.True(CommunityId.TryCompute(a, (ushort)sourcePort, b, (ushort)destinationPort, text, out int written));
        Assert.Equal(expected, text[..written].ToString());
        Assert.False(CommunityId.TryCompute(a, (ushort)sourcePort, b, (ushort)destinationPort, text[..^1], out _));
    }

    [Fact]
    public void UdpReferenceValue_ShowsTheProtocolIsHashed()
    {
        IpAddress128 a = IpAddress128.Parse("192.168.1.52"), b = IpAddress128.Parse("8.8.8.8");
        Assert.Equal("1:d/FP5EW3wiY1vCndhwleRRKHowQ=", CommunityId.Compute(a, 54585, b, 53, protocol: 17));
    }

    [Fact]
    public void SameAddresses_AreOrderedByPort()
    {
        IpAddress128 host = IpAddress128.Parse("10.0.0.1");
        Assert.Equal(CommunityId.Compute(host, 80, host, 5000), CommunityId.Compute(host, 5000, host, 80));
        Assert.NotEqual(CommunityId.Compute(host, 80, host, 5000), CommunityId.Compute(host, 80, host, 5001));
    }

    [Fact]
    public void SeedChangesTheValue()
    {
        IpAddress128 a = IpAddress128.Parse("128.232.110.120"), b = IpAddress128.Parse("66.35.250.204");
        Assert.NotEqual(CommunityId.Compute(a, 34855, b, 80), CommunityId.Compute(a, 34855, b, 80, seed: 1));
    }
}
