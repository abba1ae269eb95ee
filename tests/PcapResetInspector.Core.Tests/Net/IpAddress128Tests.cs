using System.Net;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Net;

public class IpAddress128Tests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1")] // mapped IPv6 and IPv4 are one key (RFC 4291 §2.5.5.2)
    [InlineData("::1", "::1")]
    public void Round_trips_through_text(string text, string expected)
    {
        Assert.Equal(expected, IpAddress128.Format(IpAddress128.Parse(text)));
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("2001:db8:85a3::8a2e:370:7334")]
    [InlineData("::ffff:0:10.0.0.1")] // IPv4-translated (RFC 2765): the longest text forms embed a dotted quad
    public void Formats_in_place_and_refuses_a_buffer_one_char_short(string text)
    {
        IpAddress128 address = IpAddress128.Parse(text);
        string expected = IPAddress.Parse(text) is var ip && ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : IPAddress.Parse(text).ToString();
        Span<char> buffer = stackalloc char[IpAddress128.MaxTextLength];
        Assert.True(address.TryFormat(buffer, out int written));
        Assert.Equal(expected, buffer[..written].ToString());
        Assert.False(address.TryFormat(buffer[..(written - 1)], out _));
        Assert.Equal(expected, $"{address}"); // interpolation goes through ISpanFormattable
    }

    [Fact]
    public void IPv4_and_its_mapped_form_are_equal_and_hash_alike()
    {
        IpAddress128 v4 = IpAddress128.Parse("10.1.2.3");
        IpAddress128 mapped = IpAddress128.FromIPAddress(IPAddress.Parse("10.1.2.3").MapToIPv6());
        Assert.Equal(v4, mapped);
        Assert.Equal(v4.GetHashCode(), mapped.GetHashCode());
        Assert.True(v4.IsMappedIPv4);
        Assert.False(IpAddress128.Parse("2001:db8::a01:203").IsMappedIPv4);
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2")]
    [InlineData("10.0.0.255", "10.0.1.0")]
    [InlineData("255.255.255.255", "::1:0:0:0")]          // the high half decides before the low half
    [InlineData("2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::")]
    public void Orders_as_the_unsigned_128_bit_number(string smaller, string larger)
    {
        IpAddress128 a = IpAddress128.Parse(smaller), b = IpAddress128.Parse(larger);
        Assert.True(a < b);
        Assert.False(b < a);
        Assert.True(a.CompareTo(b) < 0);
        Assert.True(b.CompareTo(a) > 0);
        Assert.True(b > a && a <= b && b >= a && a != b);
        UInt128 wideA = Wide(a), wideB = Wide(b);
        Assert.True(wideA < wideB);
    }

    [Theory]
    [InlineData("192.0.2.7", new byte[] { 192, 0, 2, 7 })]
    [InlineData("2001:db8::7", new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 })]
    public void Writes_network_order_bytes_of_the_family(string text, byte[] expected)
    {
        Span<byte> buffer = stackalloc byte[16];
        int written = IpAddress128.WriteBytes(IpAddress128.Parse(text), buffer);
        Assert.Equal(expected, buffer[..written].ToArray());
    }

    [Fact]
    public void Format_OfIPv4_IsWhatIPAddressWrites()
    {
        var random = new Random(11);
        uint[] edges = [0, 1, 9, 10, 99, 100, 255, 0x0A000001, 0xFFFFFFFF, 0x00FF00FF];
        foreach (uint value in edges.Concat(Enumerable.Range(0, 2000).Select(_ => (uint)random.NextInt64(0, 1L << 32))))
        {
            IpAddress128 address = IpAddress128.FromIPv4(value);
            Assert.Equal(IpAddress128.ToIPAddress(address).ToString(), IpAddress128.Format(address));
        }
    }

    private static UInt128 Wide(IpAddress128 address) => new(address.High, address.Low);
}
