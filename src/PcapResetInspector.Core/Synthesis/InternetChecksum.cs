namespace PcapResetInspector.Core.Synthesis;

/// <summary>The Internet checksum: ones' complement of the ones' complement sum of 16-bit words (RFC 1071).</summary>
internal static class InternetChecksum
{
    /// <summary>Adds big-endian 16-bit words to a running sum; an odd last byte is padded with zero.</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
            // Fold early so that no input length can overflow the 32-bit accumulator.
            if ((sum & 0x8000_0000) != 0)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }
        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }
        return sum;
    }

    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>
    /// Checksum of a TCP segment with its pseudo-header: RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for
    /// IPv6. Addresses are 4 or 16 bytes; the segment's own checksum field must be zero.
    /// </summary>
    public static ushort ForTcp(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> segment)
    {
        uint sum = Add(0, sourceAddress);
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
