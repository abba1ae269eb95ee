using System.Numerics;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Counts distinct addresses in bounded memory: exactly up to <see cref="ExactLimit"/>, then by
/// HyperLogLog (Flajolet et al. 2007) with 4,096 registers, a standard error of about 1.6%. A flood
/// from a million spoofed sources costs 4 KB here instead of a million set entries.
/// </summary>
internal sealed class DistinctCounter
{
    public const int ExactLimit = 1024;
    private const int RegisterBits = 12;
    private const int Registers = 1 << RegisterBits;

    private HashSet<IpAddress128>? _exact = [];
    private byte[]? _registers;
    // The estimate's sum of 2^-register, kept as it changes so that Count costs nothing: in fixed point
    // (units of 2^-64, exact since a register never exceeds 64 - RegisterBits + 1), with the empty registers.
    private UInt128 _inverseSum;
    private int _zeros;

    /// <summary>The count is an estimate (more than <see cref="ExactLimit"/> distinct addresses were seen).</summary>
    public bool IsEstimate => _registers is not null;

    public void Add(IpAddress128 address)
    {
        if (_exact is not null)
        {
            _exact.Add(address);
            if (_exact.Count <= ExactLimit)
                return;
            _registers = new byte[Registers];
            _inverseSum = (UInt128)Registers << 64;
            _zeros = Registers;
            foreach (IpAddress128 seen in _exact)
                AddToRegisters(seen);
            _exact = null;
            return;
        }
        AddToRegisters(address);
    }

    public long Count
    {
        get
        {
            if (_exact is not null)
                return _exact.Count;
            double sum = (double)_inverseSum / Math.ScaleB(1.0, 64);
            int zeros = _zeros;
            const double alpha = 0.7213 / (1 + 1.079 / Registers);
            double estimate = alpha * Registers * (double)Registers / sum;
            // Small-range correction: linear counting while registers are still empty.
            if (estimate <= 2.5 * Registers && zeros > 0)
                estimate = Registers * Math.Log((double)Registers / zeros);
            return (long)Math.Round(estimate);
        }
    }

    private void AddToRegisters(IpAddress128 address)
    {
        ulong hash = Mix(address.High ^ Mix(address.Low));
        int index = (int)(hash >> (64 - RegisterBits));
        ulong rest = (hash << RegisterBits) | (1UL << (RegisterBits - 1)); // a set bit ends the run
        byte rank = (byte)(BitOperations.LeadingZeroCount(rest) + 1);
        byte old = _registers![index];
        if (rank > old)
        {
            _registers[index] = rank;
            _inverseSum -= UInt128.One << (64 - old);
            _inverseSum += UInt128.One << (64 - rank);
            if (old == 0)
                _zeros--;
        }
    }

    // splitmix64's finaliser
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
