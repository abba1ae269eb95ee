namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// xoshiro256** (Blackman and Vigna) seeded through SplitMix64. Our own generator rather than
/// System.Random, whose seeded sequence is not promised to stay the same across .NET versions:
/// a capture made from a seed must be byte-identical wherever and whenever it is made.
/// </summary>
internal sealed class GeneratorRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public GeneratorRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive), by Lemire's multiply-shift (the tiny bias does not matter here).</summary>
    public int Next(int maxExclusive) => (int)(((ulong)NextUInt32() * (ulong)maxExclusive) >> 32);

    /// <summary>Uniform in [min, maxInclusive].</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Log-uniform in [min, max]: as many values between 1 and 10 as between 10 and 100.</summary>
    public double LogUniform(double min, double max) => min * Math.Exp(NextDouble() * Math.Log(max / min));

    /// <summary>Exponential with the given mean (Poisson arrivals).</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Nanoseconds, log-uniform between two durations given in microseconds.</summary>
    public long MicrosLog(double minMicros, double maxMicros) => (long)(LogUniform(minMicros, maxMicros) * 1000);

    /// <summary>Nanoseconds, uniform between two durations given in microseconds.</summary>
    public long Micros(double minMicros, double maxMicros) => (long)((minMicros + NextDouble() * (maxMicros - minMicros)) * 1000);

    /// <summary>Fisher-Yates on a span.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
