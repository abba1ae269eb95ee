using System.Buffers.Binary;
using System.Numerics;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// SHA-1 (FIPS 180-4 §6.1) for the Community ID's few dozen bytes. The platform's one-shot SHA-1 goes
/// through OpenSSL, whose per-call set-up cost far more than hashing one block: on a scan of a million
/// probes it was a fifth of the run. Not for security: the Community ID only needs the same digest.
/// </summary>
internal static class Sha1
{
    public const int HashSizeInBytes = 20;
    private const int BlockSize = 64;

    public static void HashData(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        Span<uint> state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        int whole = data.Length - data.Length % BlockSize;
        for (int offset = 0; offset < whole; offset += BlockSize)
            Compress(state, data.Slice(offset, BlockSize));

        // §5.1.1 padding: a 1 bit, zeros, and the message length in bits as a 64-bit big-endian number.
        Span<byte> tail = stackalloc byte[2 * BlockSize];
        tail.Clear();
        int rest = data.Length - whole;
        data[whole..].CopyTo(tail);
        tail[rest] = 0x80;
        int tailLength = rest + 1 + 8 <= BlockSize ? BlockSize : 2 * BlockSize;
        BinaryPrimitives.WriteUInt64BigEndian(tail[(tailLength - 8)..], (ulong)data.Length * 8);
        for (int offset = 0; offset < tailLength; offset += BlockSize)
            Compress(state, tail.Slice(offset, BlockSize));

        for (int i = 0; i < 5; i++)
            BinaryPrimitives.WriteUInt32BigEndian(digest[(4 * i)..], state[i]);
    }

    /// <summary>§6.1.2: one 512-bit block into the five-word state.</summary>
    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[80];
        for (int t = 0; t < 16; t++)
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
        for (int t = 16; t < 80; t++)
            w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (int t = 0; t < 80; t++)
        {
            (uint f, uint k) = t switch
            {
                < 20 => ((b & c) | (~b & d), 0x5A827999u),
                < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                _ => (b ^ c ^ d, 0xCA62C1D6u),
            };
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
