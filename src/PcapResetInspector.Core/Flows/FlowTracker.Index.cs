using System.Runtime.CompilerServices;

namespace PcapResetInspector.Core.Flows;

/// <summary>
/// The flow index: FlowKey to slot, an open-addressing hash table with linear probing. Each bucket holds
/// only the slot and the key's hash; the key itself is read from the connection in the slot, so the
/// index costs 8 bytes a bucket and one cache line is usually enough to rule out a mismatch. Removal
/// shifts the following entries back (no tombstones), so lookups stay short under heavy churn such as a
/// SYN flood. Own code rather than Dictionary because ReadyToRun cannot precompile the framework's
/// generic collections over this assembly's structs, and this runs once per packet.
/// </summary>
public sealed partial class FlowTracker
{
    private const int InitialBuckets = 1024;     // a power of two
    private int[] _bucketSlots = new int[InitialBuckets];   // slot + 1; 0 = empty
    private int[] _bucketHashes = new int[InitialBuckets];
    private int _indexCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketOf(int hash, int mask) => hash & mask;

    /// <summary>
    /// The bucket holding <paramref name="key"/>, or the empty bucket where it belongs. Valid until the
    /// index next changes.
    /// </summary>
    private int FindBucket(in FlowKey key, int hash, out bool exists)
    {
        int[] slots = _bucketSlots;
        int[] hashes = _bucketHashes;
        int mask = slots.Length - 1;
        int bucket = BucketOf(hash, mask);
        while (true)
        {
            int stored = slots[bucket];
            if (stored == 0)
            {
                exists = false;
                return bucket;
            }
            if (hashes[bucket] == hash && Slot(stored - 1).Key.Equals(key))
            {
                exists = true;
                return bucket;
            }
            bucket = (bucket + 1) & mask;
        }
    }

    /// <summary>Fills the empty bucket <paramref name="bucket"/> found by <see cref="FindBucket"/>, growing the index when half full.</summary>
    private void IndexAdd(int bucket, int hash, int slot)
    {
        _bucketSlots[bucket] = slot + 1;
        _bucketHashes[bucket] = hash;
        _indexCount++;
        if (_indexCount * 2 > _bucketSlots.Length)
            GrowIndex();
    }

    private void IndexRemove(in FlowKey key)
    {
        int bucket = FindBucket(key, key.GetHashCode(), out bool exists);
        if (!exists)
            return;
        int[] slots = _bucketSlots;
        int[] hashes = _bucketHashes;
        int mask = slots.Length - 1;
        _indexCount--;
        // Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4 Algorithm R): move each later entry of the
        // probe run into the hole unless its home bucket lies cyclically between the hole and itself.
        int hole = bucket;
        int next = (hole + 1) & mask;
        while (slots[next] != 0)
        {
            int home = BucketOf(hashes[next], mask);
            bool stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!stays)
            {
                slots[hole] = slots[next];
                hashes[hole] = hashes[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        slots[hole] = 0;
        hashes[hole] = 0;
    }

    private void GrowIndex()
    {
        int[] oldSlots = _bucketSlots;
        int[] oldHashes = _bucketHashes;
        var slots = new int[oldSlots.Length * 2];
        var hashes = new int[oldSlots.Length * 2];
        int mask = slots.Length - 1;
        for (int i = 0; i < oldSlots.Length; i++)
        {
            if (oldSlots[i] == 0)
                continue;
            int bucket = BucketOf(oldHashes[i], mask);
            while (slots[bucket] != 0)
                bucket = (bucket + 1) & mask;
            slots[bucket] = oldSlots[i];
            hashes[bucket] = oldHashes[i];
        }
        _bucketSlots = slots;
        _bucketHashes = hashes;
    }

    /// <summary>The slots of every connection in the index, in no particular order.</summary>
    private List<int> IndexedSlots()
    {
        var result = new List<int>(_indexCount);
        foreach (int stored in _bucketSlots)
        {
            if (stored != 0)
                result.Add(stored - 1);
        }
        return result;
    }

    private void ClearIndex()
    {
        Array.Clear(_bucketSlots);
        Array.Clear(_bucketHashes);
        _indexCount = 0;
    }
}
