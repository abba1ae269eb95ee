namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Counts per calendar second for the seconds of the last hour seen. Counts arrive nearly in time
/// order, so they are kept in two sorted arrays and searched from the newest end: a host with
/// resets in a handful of seconds (most hosts of a scan or a flood) costs two small arrays, not a
/// dictionary that grows and rehashes.
/// </summary>
internal sealed class RecentSecondCounts
{
    private readonly int _secondsKept;
    private long[] _seconds = new long[4];
    private int[] _counts = new int[4];
    private int _length;

    /// <summary>Starts with <paramref name="count"/> already counted in <paramref name="second"/>.</summary>
    public RecentSecondCounts(int secondsKept, long second, int count)
    {
        _secondsKept = secondsKept;
        _seconds[0] = second;
        _counts[0] = count;
        _length = 1;
    }

    /// <summary>Counts one more in <paramref name="second"/> and returns that second's count; 0 when it is older than the seconds kept.</summary>
    public int Add(long second)
    {
        long newest = _length == 0 ? long.MinValue : _seconds[_length - 1];
        if (_length > 0 && second <= newest - _secondsKept)
            return 0;
        int at = _length;
        while (at > 0 && _seconds[at - 1] > second)
            at--;
        if (at > 0 && _seconds[at - 1] == second)
            return ++_counts[at - 1];
        Insert(at, second);
        if (second > newest)
            ForgetBefore(second - _secondsKept);
        return 1;
    }

    private void Insert(int at, long second)
    {
        if (_length == _seconds.Length)
        {
            Array.Resize(ref _seconds, _length * 2);
            Array.Resize(ref _counts, _length * 2);
        }
        Array.Copy(_seconds, at, _seconds, at + 1, _length - at);
        Array.Copy(_counts, at, _counts, at + 1, _length - at);
        _seconds[at] = second;
        _counts[at] = 1;
        _length++;
    }

    /// <summary>Drops the seconds at or before <paramref name="oldest"/>.</summary>
    private void ForgetBefore(long oldest)
    {
        int drop = 0;
        while (drop < _length && _seconds[drop] <= oldest)
            drop++;
        if (drop == 0)
            return;
        _length -= drop;
        Array.Copy(_seconds, drop, _seconds, 0, _length);
        Array.Copy(_counts, drop, _counts, 0, _length);
    }
}
