using System.Security.Cryptography;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Tests.Export;

public class Sha1Tests
{
    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void Matches_the_fips_180_examples(string message, string expectedHex)
    {
        Span<byte> digest = stackalloc byte[Sha1.HashSizeInBytes];
        Sha1.HashData(System.Text.Encoding.ASCII.GetBytes(message), digest);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Agrees_with_the_platform_at_every_length_around_the_block_boundaries()
    {
        var random = new Random(7);
        Span<byte> ours = stackalloc byte[Sha1.HashSizeInBytes];
        for (int length = 0; length <= 200; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Sha1.HashData(data, ours);
            Assert.Equal(SHA1.HashData(data), ours.ToArray());
        }
    }
}
