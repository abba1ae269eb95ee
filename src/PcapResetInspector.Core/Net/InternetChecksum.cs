using System.Buffers.Binary;

namespace PcapResetInspector.Core.Net;

/// <summary>
/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
/// words. One implementation for the decoder's verification and the traffic builder's encoding.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds the bytes as big-endian 16-bit words (an odd last byte padded with zero) to a running sum.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> bytes)
    {
        // Adding 32-bit words and folding later gives the same ones' complement sum (RFC 1071 §2(B)).
        int i = 0;
        for (; i + 4 <= bytes.Length; i += 4)
            sum += BinaryPrimitives.ReadUInt32BigEndian(bytes[i..]);
        if (i + 2 <= bytes.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
            i += 2;
        }
        if (i < bytes.Length)
            sum += (uint)bytes[i] << 8;
        return sum;
    }

    /// <summary>Folds the carries back in: the 16-bit ones' complement sum.</summary>
    public static ushort Fold(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum to put in a header: the complement of the folded sum.</summary>
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    /// <summary>
    /// Checksum of a TCP segment with its pseudo-header: RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for
    /// IPv6. Addresses are 4 or 16 bytes; the segment's own checksum field must be zero.
    /// </summary>
    public static ushort ForTcp(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> segment)
    {
        ulong sum = Add(0, sourceAddress);
        sum = Add(sum, destinationAddress);
        // Both pseudo-headers reduce to the same word sum: protocol 6 plus the segment length
        // (16 bits for IPv4, 32 bits for IPv6; the high word is zero for any real segment).
        sum += 6;
        sum += (uint)segment.Length & 0xFFFF;
        sum += (uint)segment.Length >> 16;
        sum = Add(sum, segment);
        return Finish(sum);
    }
}
