namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Items kept in SYN order, in buckets of a fixed span of SYN time. Connections reach the race books as
/// they leave the connection table, which is not SYN order: a download that lasted seconds arrives after
/// hundreds of shorter ones that began later. In one flat list each such insert shifted every later
/// item (a per-port book under a scan holds thousands); here it shifts only its bucket. Iteration gives
/// the same order a flat sorted list would: by SYN, and by arrival among equal SYNs.
/// </summary>
internal sealed class SynOrderedList<T> where T : class
{
    // About 40 items a bucket for a port that gets 400 connections a second; books are read whole or by a window of seconds.
    private const long BucketNanos = 100_000_000;

    private readonly Func<T, long> _synOf;
    // Made on first use: a 139/445 book per client and server pair holds one or two connections, and a scan makes thousands of books.
    private List<Bucket>? _buckets;  // by ascending Index, none empty
    private static readonly List<Bucket> NoBuckets = [];

    public SynOrderedList(Func<T, long> synOf) => _synOf = synOf;

    private sealed class Bucket
    {
        public long Index;
        public readonly List<T> Items = [];
    }

    public int Count { get; private set; }

    public void Add(T item)
    {
        long syn = _synOf(item);
        long index = BucketOf(syn);
        // Searched from the newest: items arrive nearly in SYN order.
        List<Bucket> buckets = _buckets ??= [];
        int b = buckets.Count - 1;
        while (b >= 0 && buckets[b].Index > index)
            b--;
        Bucket bucket;
        if (b >= 0 && buckets[b].Index == index)
        {
            bucket = buckets[b];
        }
        else
        {
            bucket = new Bucket();
            bucket.Index = index;
            buckets.Insert(b + 1, bucket);
        }
        List<T> items = bucket.Items;
        int at = items.Count;
        while (at > 0 && _synOf(items[at - 1]) > syn)
            at--;
        items.Insert(at, item);
        Count++;
    }

    /// <summary>Every item, in SYN order.</summary>
    public Range All => new(this, long.MinValue, long.MaxValue);

    /// <summary>The items whose SYN is within <paramref name="window"/> of <paramref name="syn"/>, in SYN order.</summary>
    public Range Near(long syn, long window) =>
        new(this, syn - window, Connections.Deadline.After(syn, window));

    /// <summary>Forgets the items whose SYN is before <paramref name="syn"/>.</summary>
    public void RemoveSynBefore(long syn)
    {
        List<Bucket> buckets = _buckets ?? NoBuckets;
        int whole = 0;
        while (whole < buckets.Count)
        {
            List<T> items = buckets[whole].Items;
            if (_synOf(items[^1]) >= syn)
            {
                int k = 0;
                while (k < items.Count && _synOf(items[k]) < syn)
                    k++;
                items.RemoveRange(0, k);
                Count -= k;
                break;
            }
            whole++;
        }
        RemoveBuckets(0, whole);
    }

    /// <summary>Forgets the items that match <paramref name="match"/>.</summary>
    public void RemoveAll(Predicate<T> match)
    {
        List<Bucket> buckets = _buckets ?? NoBuckets;
        for (int b = buckets.Count - 1; b >= 0; b--)
        {
            Count -= buckets[b].Items.RemoveAll(match);
            if (buckets[b].Items.Count == 0)
                RemoveBuckets(b, 1);
        }
    }

    private void RemoveBuckets(int first, int count)
    {
        if (count == 0)
            return;
        List<Bucket> buckets = _buckets!;
        for (int b = first; b < first + count; b++)
            Count -= buckets[b].Items.Count;
        buckets.RemoveRange(first, count);
    }

    private static long BucketOf(long syn) => syn >= 0 ? syn / BucketNanos : (syn + 1) / BucketNanos - 1;

    /// <summary>The items with SYN in [From, To], enumerated without allocation.</summary>
    public readonly struct Range(SynOrderedList<T> list, long from, long to)
    {
        public Enumerator GetEnumerator() => new(list, from, to);
    }

    public struct Enumerator
    {
        private readonly SynOrderedList<T> _list;
        private readonly long _from, _to;
        private int _bucket, _item;
        private T? _current;

        public Enumerator(SynOrderedList<T> list, long from, long to)
        {
            (_list, _from, _to) = (list, from, to);
            // The first bucket that can hold a SYN at or after From.
            long index = BucketOf(from);
            List<Bucket> buckets = list._buckets ?? NoBuckets;
            int low = 0, high = buckets.Count;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (buckets[middle].Index < index)
                    low = middle + 1;
                else
                    high = middle;
            }
            (_bucket, _item, _current) = (low, -1, null);
        }

        public readonly T Current => _current!;

        public bool MoveNext()
        {
            List<Bucket> buckets = _list._buckets ?? NoBuckets;
            while (_bucket < buckets.Count)
            {
                List<T> items = buckets[_bucket].Items;
                while (++_item < items.Count)
                {
                    long syn = _list._synOf(items[_item]);
                    if (syn < _from)
                        continue;
                    if (syn > _to)
                    {
                        _bucket = buckets.Count;
                        return false;
                    }
                    _current = items[_item];
                    return true;
                }
                _bucket++;
                _item = -1;
            }
            return false;
        }
    }
}
