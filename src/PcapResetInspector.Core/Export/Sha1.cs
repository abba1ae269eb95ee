using System.Buffers.Binary;
using System.Numerics;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// SHA-1 (RFC 3174) of a short input, in managed code. The Community ID hashes 40 bytes per row; the
/// platform's one-shot SHA-1 goes to OpenSSL, whose per-call setup cost more than writing the rest of the
/// row, and an export of a scan has a row per probe. Not for security: the Community ID only needs the
/// digest its specification names.
/// </summary>
internal static class Sha1
{
    public const int HashSizeInBytes = 20;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<uint> state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        Span<uint> w = stackalloc uint[80];
        Span<byte> last = stackalloc byte[128];

        int whole = source.Length / 64 * 64;
        for (int offset = 0; offset < whole; offset += 64)
            Compress(state, source.Slice(offset, 64), w);

        // Padding: a 1 bit, zeros, and the message length in bits as a 64-bit big-endian number.
        int rest = source.Length - whole;
        source[whole..].CopyTo(last);
        last[rest] = 0x80;
        int tail = rest + 1 + 8 <= 64 ? 64 : 128;
        BinaryPrimitives.WriteUInt64BigEndian(last[(tail - 8)..], (ulong)source.Length * 8);
        for (int offset = 0; offset < tail; offset += 64)
            Compress(state, last.Slice(offset, 64), w);

        for (int i = 0; i < 5; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], state[i]);
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block, Span<uint> w)
    {
        for (int t = 0; t < 16; t++)
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
        for (int t = 16; t < 80; t++)
            w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (int t = 0; t < 80; t++)
        {
            uint f, k;
            if (t < 20)
                (f, k) = ((b & c) | (~b & d), 0x5A827999);
            else if (t < 40)
                (f, k) = (b ^ c ^ d, 0x6ED9EBA1);
            else if (t < 60)
                (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDC);
            else
                (f, k) = (b ^ c ^ d, 0xCA62C1D6);
            uint temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }
}
