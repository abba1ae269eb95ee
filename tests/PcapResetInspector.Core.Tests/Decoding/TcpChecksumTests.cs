using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

public class TcpChecksumTests
{
    private const byte Tcp6 = 6, Routing = 43, DestinationOptions = 60;

    /// <summary>
    /// The test's own checksum, written the slow obvious way: build the pseudo-header as bytes, append
    /// the segment, add 16-bit words (RFC 1071), complement.
    /// </summary>
    private static ushort ReferenceChecksum(byte[] source, byte[] destination, byte[] tcpSegment)
    {
        byte[] pseudoHeader = source.Length == 4
            ? Concat(source, destination, [0, 6], U16(tcpSegment.Length))
            : Concat(source, destination, U32((uint)tcpSegment.Length), [0, 0, 0, 6]);
        byte[] all = Concat(pseudoHeader, tcpSegment, tcpSegment.Length % 2 == 1 ? [0] : []);
        uint sum = 0;
        for (int i = 0; i < all.Length; i += 2)
        {
            sum += (uint)(all[i] << 8 | all[i + 1]);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private static byte[] WithChecksum(byte[] tcpSegment, string source, string destination)
    {
        byte[] result = (byte[])tcpSegment.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(16), ReferenceChecksum(Address(source), Address(destination), tcpSegment));
        return result;
    }

    private static TcpChecksumResult Verify(byte[] frame, int linkType)
    {
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame, linkType, 0, out TcpSegment segment));
        return TcpChecksum.Verify(frame, segment);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]   // odd length: the last byte is padded with zero
    [InlineData(1400)]
    public void Ipv4_segment_with_a_correct_checksum_is_valid(int payloadLength)
    {
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7)).ToArray();
        byte[] tcp = WithChecksum(Tcp(TcpFlags.Psh | TcpFlags.Ack, options: Hex("0101080a 00000001 00000002"), payload: payload), V4Source, V4Destination);
        Assert.Equal(TcpChecksumResult.Valid, Verify(Ethernet(0x0800, Ipv4(tcp)), LinkTypes.Ethernet));
    }

    [Fact]
    public void Ipv4_checksum_ignores_ethernet_padding()
    {
        byte[] tcp = WithChecksum(Tcp(TcpFlags.Rst), V4Source, V4Destination);
        byte[] frame = Concat(Ethernet(0x0800, Ipv4(tcp)), Hex("0102030405"));
        Assert.Equal(TcpChecksumResult.Valid, Verify(frame, LinkTypes.Ethernet));
    }

    [Fact]
    public void One_changed_bit_anywhere_in_the_segment_or_addresses_is_invalid()
    {
        byte[] tcp = WithChecksum(Tcp(payload: Hex("48656c6c6f")), V4Source, V4Destination);
        byte[] packet = Ipv4(tcp);
        // Addresses (pseudo-header) and every TCP byte; TTL and the IP checksum are outside it.
        int[] positions = [12, 19, 20, 25, 36, 37, 39, 44];
        foreach (int position in positions)
        {
            byte[] damaged = (byte[])packet.Clone();
            damaged[position] ^= 0x10;
            Assert.Equal(TcpChecksumResult.Invalid, Verify(damaged, LinkTypes.Raw));
        }
        byte[] ttlChanged = (byte[])packet.Clone();
        ttlChanged[8] ^= 0x10;
        Assert.Equal(TcpChecksumResult.Valid, Verify(ttlChanged, LinkTypes.Raw));
    }

    [Fact]
    public void Ipv6_segment_behind_extension_headers_is_valid()
    {
        byte[] tcp = WithChecksum(Tcp(TcpFlags.Syn, options: Hex("020405a0"), payload: Hex("00ff00")), V6Source, V6Destination);
        byte[] packet = Ipv6(Concat(OptionsHeader(Tcp6), tcp), nextHeader: DestinationOptions);
        Assert.Equal(TcpChecksumResult.Valid, Verify(packet, LinkTypes.Raw));
        packet[^1] ^= 0x01;
        Assert.Equal(TcpChecksumResult.Invalid, Verify(packet, LinkTypes.Raw));
    }

    [Fact]
    public void Ipv6_routing_header_with_segments_left_uses_the_final_destination()
    {
        const string finalDestination = "2001:db8:ffff::1";
        byte[] tcp = WithChecksum(Tcp(), V6Source, finalDestination);
        byte[] packet = Ipv6(Concat(RoutingHeader(Tcp6, finalDestination, segmentsLeft: 1), tcp), nextHeader: Routing);
        Assert.Equal(TcpChecksumResult.Valid, Verify(packet, LinkTypes.Raw));

        // Once the routing is done (segments left 0) the header's destination is the final one.
        byte[] arrived = Ipv6(Concat(RoutingHeader(Tcp6, "2001:db8::77", segmentsLeft: 0), WithChecksum(Tcp(), V6Source, V6Destination)), nextHeader: Routing);
        Assert.Equal(TcpChecksumResult.Valid, Verify(arrived, LinkTypes.Raw));
    }

    [Fact]
    public void Snaplen_cut_segment_is_not_verifiable()
    {
        byte[] tcp = WithChecksum(Tcp(payload: new byte[100]), V4Source, V4Destination);
        byte[] frame = Ethernet(0x0800, Ipv4(tcp));
        Assert.Equal(TcpChecksumResult.Valid, Verify(frame, LinkTypes.Ethernet));
        Assert.Equal(TcpChecksumResult.NotVerifiable, Verify(frame[..^1], LinkTypes.Ethernet));
        Assert.Equal(TcpChecksumResult.NotVerifiable, Verify(frame[..54], LinkTypes.Ethernet));
    }

    [Fact]
    public void First_fragment_is_not_verifiable_even_when_its_own_bytes_happen_to_sum_right()
    {
        // Checksum computed over this fragment's bytes alone: a wrong basis, so no verdict either way.
        byte[] tcp = WithChecksum(Tcp(payload: new byte[64]), V4Source, V4Destination);
        Assert.Equal(TcpChecksumResult.NotVerifiable, Verify(Ipv4(tcp, moreFragments: true), LinkTypes.Raw));
        byte[] tcp6 = WithChecksum(Tcp(payload: new byte[64]), V6Source, V6Destination);
        byte[] packet6 = Ipv6(Concat(FragmentHeader(Tcp6, 0, moreFragments: true), tcp6), nextHeader: 44);
        Assert.Equal(TcpChecksumResult.NotVerifiable, Verify(packet6, LinkTypes.Raw));
    }

    [Fact]
    public void A_segment_that_was_not_decoded_is_not_verifiable()
    {
        Assert.Equal(TcpChecksumResult.NotVerifiable, TcpChecksum.Verify(SampleIpv4Tcp(), default));
        Assert.Equal(DecodeStatus.Fragment, PacketDecoder.Decode(Ipv4(new byte[40], fragmentOffsetUnits: 8), LinkTypes.Raw, 0, out TcpSegment fragment));
        Assert.Equal(TcpChecksumResult.NotVerifiable, TcpChecksum.Verify(Ipv4(new byte[40], fragmentOffsetUnits: 8), fragment));
    }
}
