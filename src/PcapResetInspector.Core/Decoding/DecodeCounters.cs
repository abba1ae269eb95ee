namespace PcapResetInspector.Core.Decoding;

/// <summary>Frames counted per <see cref="DecodeStatus"/>: an array indexed by the status, so counting is one increment.</summary>
public sealed class DecodeCounters
{
    private static readonly int StatusCount = (int)Enum.GetValues<DecodeStatus>().Max() + 1;

    private readonly long[] _counts = new long[StatusCount];

    public void Add(DecodeStatus status) => _counts[(int)status]++;

    /// <summary>Adds another set of counters (one per input file, say) into this one.</summary>
    public void Add(DecodeCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
    }

    public long this[DecodeStatus status] => _counts[(int)status];

    public long Total
    {
        get
        {
            long total = 0;
            foreach (long count in _counts)
            {
                total += count;
            }
            return total;
        }
    }

    /// <summary>Frames that were not TCP or could not be decoded: everything but <see cref="DecodeStatus.Tcp"/>.</summary>
    public long NotAnalysed => Total - this[DecodeStatus.Tcp];

    /// <summary>The statuses met at least once, in enum order, for reports. Allocates; not for the packet path.</summary>
    public IEnumerable<KeyValuePair<DecodeStatus, long>> NonZero()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                yield return new KeyValuePair<DecodeStatus, long>((DecodeStatus)i, _counts[i]);
            }
        }
    }

    /// <summary>The statuses met at least once other than <see cref="DecodeStatus.Tcp"/>: why frames were skipped.</summary>
    public IEnumerable<KeyValuePair<DecodeStatus, long>> SkipReasons() =>
        NonZero().Where(pair => pair.Key != DecodeStatus.Tcp);
}
