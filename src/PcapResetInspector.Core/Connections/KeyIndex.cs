using System.Runtime.CompilerServices;

namespace PcapResetInspector.Core.Connections;

/// <summary>Where a <see cref="KeyIndex{TKey, TKeys}"/> finds the key of a value it holds.</summary>
internal interface IKeyStore<TKey>
    where TKey : struct
{
    /// <summary>The key stored with <paramref name="value"/> (a slot, a ring position).</summary>
    ref readonly TKey KeyAt(int value);
}

/// <summary>
/// A map from keys to small non-negative ints (slots, ring positions) for keys that already live in an
/// array of their owner: an open-addressing hash table with linear probing whose buckets hold only the
/// value and the key's hash, 8 bytes each; the key is read back through <typeparamref name="TKeys"/>.
/// Removal shifts the rest of the probe run back (no tombstones), so lookups stay short under heavy
/// churn such as a SYN flood. It is this assembly's own code, over this assembly's structs, so
/// ReadyToRun precompiles it (it cannot do so for Dictionary over them), and it allocates only to grow.
/// </summary>
internal sealed class KeyIndex<TKey, TKeys>
    where TKey : struct, IEquatable<TKey>
    where TKeys : struct, IKeyStore<TKey>
{
    private const int InitialBuckets = 1024;   // a power of two
    private readonly TKeys _keys;
    private int[] _values = new int[InitialBuckets];   // value + 1; 0 = empty
    private int[] _hashes = new int[InitialBuckets];

    public KeyIndex(TKeys keys) => _keys = keys;

    public int Count { get; private set; }

    /// <summary>The bucket holding <paramref name="key"/>, or the empty bucket where it belongs; valid until the index changes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FindBucket(in TKey key, int hash, out bool exists)
    {
        int[] values = _values;
        int[] hashes = _hashes;
        int mask = values.Length - 1;
        int bucket = hash & mask;
        while (true)
        {
            int stored = values[bucket];
            if (stored == 0)
            {
                exists = false;
                return bucket;
            }
            if (hashes[bucket] == hash && _keys.KeyAt(stored - 1).Equals(key))
            {
                exists = true;
                return bucket;
            }
            bucket = (bucket + 1) & mask;
        }
    }

    public int ValueAt(int bucket) => _values[bucket] - 1;

    /// <summary>Points an existing entry at another value holding the same key.</summary>
    public void ReplaceValueAt(int bucket, int value) => _values[bucket] = value + 1;

    /// <summary>Fills the empty bucket found by <see cref="FindBucket"/>; grows the index when half full.</summary>
    public void AddAt(int bucket, int hash, int value)
    {
        _values[bucket] = value + 1;
        _hashes[bucket] = hash;
        Count++;
        if (Count * 2 > _values.Length)
            Grow();
    }

    /// <summary>Points <paramref name="key"/> at <paramref name="value"/>, adding it if absent; returns the value it had, or -1.</summary>
    public int Set(in TKey key, int hash, int value)
    {
        int bucket = FindBucket(in key, hash, out bool exists);
        if (!exists)
        {
            AddAt(bucket, hash, value);
            return -1;
        }
        int previous = _values[bucket] - 1;
        _values[bucket] = value + 1;
        return previous;
    }

    /// <summary>Removes <paramref name="key"/> only if it still points at <paramref name="value"/> (a newer entry may have taken it over).</summary>
    public void RemoveIfAt(in TKey key, int hash, int value)
    {
        int bucket = FindBucket(in key, hash, out bool exists);
        if (exists && _values[bucket] - 1 == value)
            RemoveAt(bucket);
    }

    public bool TryGetValue(in TKey key, int hash, out int value)
    {
        int bucket = FindBucket(in key, hash, out bool exists);
        value = exists ? _values[bucket] - 1 : -1;
        return exists;
    }

    /// <summary>Removes the entry in <paramref name="bucket"/>, found by <see cref="FindBucket"/>.</summary>
    public void RemoveAt(int bucket)
    {
        int[] values = _values;
        int[] hashes = _hashes;
        int mask = values.Length - 1;
        Count--;
        // Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R): each later entry of the probe
        // run moves into the hole unless its home bucket lies cyclically between the hole and itself.
        int hole = bucket;
        int next = (hole + 1) & mask;
        while (values[next] != 0)
        {
            int home = hashes[next] & mask;
            bool stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!stays)
            {
                values[hole] = values[next];
                hashes[hole] = hashes[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        values[hole] = 0;
        hashes[hole] = 0;
    }

    public bool Remove(in TKey key, int hash)
    {
        int bucket = FindBucket(in key, hash, out bool exists);
        if (exists)
            RemoveAt(bucket);
        return exists;
    }

    /// <summary>Every value held, in no particular order.</summary>
    public List<int> Values()
    {
        var result = new List<int>(Count);
        foreach (int stored in _values)
        {
            if (stored != 0)
                result.Add(stored - 1);
        }
        return result;
    }

    public void Clear()
    {
        Array.Clear(_values);
        Array.Clear(_hashes);
        Count = 0;
    }

    private void Grow()
    {
        int[] oldValues = _values;
        int[] oldHashes = _hashes;
        var values = new int[oldValues.Length * 2];
        var hashes = new int[oldValues.Length * 2];
        int mask = values.Length - 1;
        for (int i = 0; i < oldValues.Length; i++)
        {
            if (oldValues[i] == 0)
                continue;
            int bucket = oldHashes[i] & mask;
            while (values[bucket] != 0)
                bucket = (bucket + 1) & mask;
            values[bucket] = oldValues[i];
            hashes[bucket] = oldHashes[i];
        }
        _values = values;
        _hashes = hashes;
    }
}
