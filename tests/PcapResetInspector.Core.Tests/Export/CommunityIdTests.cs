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

/// <summary>The managed SHA-1 behind the Community ID gives the platform's digest for every length around the block edges.</summary>
public class Sha1Tests
{
    [Fact]
    public void Digest_MatchesThePlatformSha1()
    {
        var random = new Random(7);
        for (int length = 0; length <= 200; length++)
        {
            byte[] input = new byte[length];
            random.NextBytes(input);
            byte[] ours = new byte[Sha1.HashSizeInBytes];
            Sha1.HashData(input, ours);
            Assert.Equal(System.Security.Cryptography.SHA1.HashData(input), ours);
        }
    }

    [Fact]
    public void Digest_OfRfc3174TestOne() =>
        Assert.Equal("A9993E364706816ABA3E25717850C26C9CD0D89D", Convert.ToHexString(Digest("abc"u8)));

    private static byte[] Digest(ReadOnlySpan<byte> input)
    {
        byte[] digest = new byte[Sha1.HashSizeInBytes];
        Sha1.HashData(input, digest);
        return digest;
    }
}
