namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Public-looking IPv4 addresses that never repeat: a counter put through a keyed bijection of the
/// 32-bit space (odd multiplications, an addition and xor-shifts each undo exactly), skipping the
/// private, loopback, link-local, CGN, documentation and multicast ranges. Distinct counters give
/// distinct addresses, so a flood of "each from another address" holds no accidental repeat,
/// and none of them is an address the profiles give their own hosts (10/8, 192.168/16, 203.0.113/24, ...).
/// </summary>
internal sealed class SpoofedAddresses(GeneratorRandom random)
{
    private readonly uint _offset = random.NextUInt32();
    private readonly uint _multiplier = random.NextUInt32() | 1;
    private uint _counter;

    public byte[] Next()
    {
        while (true)
        {
            uint value = _counter++ * 0x9E3779B1u + _offset;
            value ^= value >> 15;
            value *= _multiplier;
            value ^= value >> 13;
            byte first = (byte)(value >> 24);
            if (first is 0 or 10 or 100 or 127 or 169 or 172 or 192 or 198 or 203 || first >= 224)
                continue;
            return [first, (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        }
    }
}
