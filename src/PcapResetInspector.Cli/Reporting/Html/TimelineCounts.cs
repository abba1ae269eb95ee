using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// Flagged connections counted by time, cause and verdict, for the HTML report's timeline. Counted in
/// buckets whose width grows along <see cref="Widths"/> when there would be too many, so memory stays
/// bounded however long the capture and however many rows: the chart never sees the rows themselves.
/// </summary>
public sealed class TimelineCounts
{
    /// <summary>Buckets counted before the width grows; the chart needs at most <see cref="HtmlReport.MaxBars"/>.</summary>
    public const int MaxCounted = 4096;

    private static readonly int Causes = Enum.GetValues<ResetCause>().Length;
    private static readonly int Verdicts = Enum.GetValues<Verdict>().Length;

    private Dictionary<long, int[]> _buckets = [];
    private int _level;

    /// <summary>Every count added.</summary>
    public long Total { get; private set; }

    public long FirstTime { get; private set; } = long.MaxValue;
    public long LastTime { get; private set; } = long.MinValue;

    /// <summary>The width counted at now (ns), one of <see cref="Widths"/>.</summary>
    public long CountedWidth => Width(_level);

    public void Add(long time, ResetCause cause, Verdict verdict)
    {
        Total++;
        FirstTime = Math.Min(FirstTime, time);
        LastTime = Math.Max(LastTime, time);
        long key = FloorDiv(time, Width(_level));
        if (!_buckets.TryGetValue(key, out int[]? counts))
        {
            if (_buckets.Count >= MaxCounted)
            {
                Coarsen();
                Add(time, cause, verdict);
                Total--;
                return;
            }
            _buckets[key] = counts = new int[Causes * Verdicts];
        }
        counts[((int)cause * Verdicts) + (int)verdict]++;
    }

    /// <summary>
    /// The counts over <paramref name="from"/> to <paramref name="to"/> (and every counted time) in at most
    /// <paramref name="maxBuckets"/> buckets of one width from <see cref="Widths"/>, empty ones included.
    /// </summary>
    public TimelineBuckets Buckets(long from, long to, int maxBuckets)
    {
        if (Total > 0)
        {
            from = Math.Min(from, FirstTime);
            to = Math.Max(to, LastTime);
        }
        int level = _level;
        while (FloorDiv(to, Width(level)) - FloorDiv(from, Width(level)) + 1 > maxBuckets)
            level++;
        long width = Width(level);
        long first = FloorDiv(from, width);
        int count = (int)(FloorDiv(to, width) - first + 1);
        var buckets = new int[count][];
        foreach (var (key, counts) in _buckets)
        {
            // Each width divides the next, so a counted bucket lies inside one chart bucket.
            int at = (int)(FloorDiv(key * Width(_level), width) - first);
            int[] target = buckets[at] ??= new int[Causes * Verdicts];
            for (int i = 0; i < counts.Length; i++)
                target[i] += counts[i];
        }
        return new TimelineBuckets(first * width, width, buckets, Verdicts);
    }

    private void Coarsen()
    {
        _level++;
        var coarser = new Dictionary<long, int[]>();
        foreach (var (key, counts) in _buckets)
        {
            long coarseKey = FloorDiv(key * Width(_level - 1), Width(_level));
            if (coarser.TryGetValue(coarseKey, out int[]? target))
            {
                for (int i = 0; i < counts.Length; i++)
                    target[i] += counts[i];
            }
            else
                coarser[coarseKey] = counts;
        }
        _buckets = coarser;
    }

    private const long Micro = 1_000, Milli = 1_000_000, Second = 1_000_000_000, Minute = 60 * Second, Hour = 60 * Minute, Day = 24 * Hour;

    /// <summary>Widths people read on an axis; each divides the next, so counts merge exactly.</summary>
    public static readonly long[] Widths =
    [
        Micro, 5 * Micro, 10 * Micro, 50 * Micro, 100 * Micro, 500 * Micro,
        Milli, 5 * Milli, 10 * Milli, 50 * Milli, 100 * Milli, 500 * Milli,
        Second, 5 * Second, 10 * Second, 30 * Second, Minute, 5 * Minute, 10 * Minute, 30 * Minute,
        Hour, 3 * Hour, 6 * Hour, 12 * Hour, Day, 7 * Day,
    ];

    /// <summary>Beyond a week, doubling (timestamps years apart come from broken clocks; they still fit).</summary>
    public static long Width(int level) =>
        level < Widths.Length ? Widths[level] : Widths[^1] << Math.Min(level - Widths.Length + 1, 30);

    internal static long FloorDiv(long value, long divisor)
    {
        long quotient = value / divisor;
        return value % divisor != 0 && value < 0 ? quotient - 1 : quotient;
    }
}

/// <summary>The chart's buckets: from <see cref="Start"/>, each <see cref="Width"/> ns, counts by cause and verdict (null: none).</summary>
public sealed class TimelineBuckets(long start, long width, int[]?[] counts, int verdicts)
{
    public long Start { get; } = start;
    public long Width { get; } = width;
    public int Length => counts.Length;

    public long Total(int bucket) => counts[bucket]?.Sum() ?? 0;

    public long Count(int bucket, Verdict verdict)
    {
        int[]? c = counts[bucket];
        if (c is null)
            return 0;
        long sum = 0;
        for (int i = (int)verdict; i < c.Length; i += verdicts)
            sum += c[i];
        return sum;
    }

    public long Count(int bucket, ResetCause cause)
    {
        int[]? c = counts[bucket];
        if (c is null)
            return 0;
        long sum = 0;
        for (int v = 0; v < verdicts; v++)
            sum += c[((int)cause * verdicts) + v];
        return sum;
    }
}
