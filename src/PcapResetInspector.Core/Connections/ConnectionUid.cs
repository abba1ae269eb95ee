using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Connection ids in Zeek's style ("C" and base62), derived from the connection's tuple, start time
/// and creation order, so the same input always gives the same uids.
/// </summary>
public static class ConnectionUid
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    internal static string Create(in ConnectionKey key, long startTime, long ordinal)
    {
        ulong h1 = Mix(key.LowAddress.Low ^ Mix(key.LowAddress.High ^ (ulong)ordinal));
        ulong h2 = Mix(key.HighAddress.Low ^ Mix(key.HighAddress.High ^ (ulong)startTime));
        h1 = Mix(h1 ^ ((ulong)key.LowPort << 16 | key.HighPort) ^ h2);
        h2 = Mix(h2 ^ key.VlanKey ^ h1);
        return Format(h1, h2);
    }

    /// <summary>A tunnel's uid: the same for both directions between two tunnel endpoints of one kind.</summary>
    internal static string ForTunnel(TunnelKind kind, IpAddress128 endpoint1, IpAddress128 endpoint2)
    {
        (IpAddress128 low, IpAddress128 high) = endpoint1.CompareTo(endpoint2) <= 0 ? (endpoint1, endpoint2) : (endpoint2, endpoint1);
        ulong h1 = Mix(low.Low ^ Mix(low.High ^ (ulong)kind));
        ulong h2 = Mix(high.Low ^ Mix(high.High ^ 0x54554E4E454CUL)); // "TUNNEL": apart from connection uids
        h1 = Mix(h1 ^ h2);
        h2 = Mix(h2 ^ h1);
        return Format(h1, h2);
    }

    private static string Format(ulong h1, ulong h2)
    {
        // 96 bits, as Zeek's uids, held as three 32-bit limbs so each base-62 digit is a short
        // long division in 64-bit arithmetic.
        Span<uint> limbs = [(uint)(h1 >> 32), (uint)(h2 >> 32), (uint)h2];
        Span<char> text = stackalloc char[17];
        text[0] = 'C';
        for (int i = 16; i >= 1; i--)
        {
            ulong remainder = 0;
            for (int limb = 0; limb < limbs.Length; limb++)
            {
                ulong current = (remainder << 32) | limbs[limb];
                limbs[limb] = (uint)(current / 62);
                remainder = current % 62;
            }
            text[i] = Alphabet[(int)remainder];
        }
        return new string(text);
    }

    // splitmix64's finaliser: a fast, well-mixed 64-bit hash step.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
