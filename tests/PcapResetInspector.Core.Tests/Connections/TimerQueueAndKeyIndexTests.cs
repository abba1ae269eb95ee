using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>The tracker's own timer heap and key index against the framework collections they replaced.</summary>
public class TimerQueueAndKeyIndexTests
{
    /// <summary>Same deadlines often: the order among equal ones must be PriorityQueue's, so removal order stays as it was.</summary>
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 50)]
    [InlineData(3, 100_000)]
    public void Timer_queue_dequeues_in_the_order_PriorityQueue_does(int seed, int distinctDeadlines)
    {
        var random = new Random(seed);
        var queue = new TimerQueue();
        var reference = new PriorityQueue<TimerEntry, long>();
        for (int step = 0; step < 20_000; step++)
        {
            if (random.Next(3) != 0 || reference.Count == 0)
            {
                var entry = new TimerEntry(step, random.Next(4), random.Next(distinctDeadlines));
                queue.Enqueue(entry);
                reference.Enqueue(entry, entry.Due);
            }
            else
            {
                Assert.True(queue.TryPeek(out TimerEntry head));
                Assert.Equal(reference.Dequeue(), head);
                queue.Dequeue();
            }
            Assert.Equal(reference.Count, queue.Count);
        }
        while (reference.Count > 0)
        {
            Assert.True(queue.TryPeek(out TimerEntry head));
            Assert.Equal(reference.Dequeue(), head);
            queue.Dequeue();
        }
        Assert.False(queue.TryPeek(out _));
    }

    /// <summary>A store position no entry names, as the tracker only ever hands out free slots.</summary>
    private static int FreeValue(Random random, Dictionary<long, int> reference, int length)
    {
        var used = new HashSet<int>(reference.Values);
        while (true)
        {
            int value = random.Next(length);
            if (!used.Contains(value))
                return value;
        }
    }

    private readonly struct ArrayKeys(long[] keys) : IKeyStore<long>
    {
        public ref readonly long KeyAt(int value) => ref keys[value];
    }

    /// <summary>
    /// Adds, replacements and removals under heavy churn, with a hash that puts many keys in one probe
    /// run, so backward-shift removal has runs to repair and the index grows several times.
    /// </summary>
    [Fact]
    public void Key_index_agrees_with_a_dictionary_under_churn()
    {
        var random = new Random(7);
        var keys = new long[20_000];
        var index = new KeyIndex<long, ArrayKeys>(new ArrayKeys(keys));
        var reference = new Dictionary<long, int>();
        static int Hash(long key) => (int)(key % 97) * 31; // clusters on purpose

        for (int step = 0; step < 20_000; step++)
        {
            long key = random.Next(5_000);
            int bucket = index.FindBucket(in key, Hash(key), out bool exists);
            Assert.Equal(reference.ContainsKey(key), exists);
            if (exists)
            {
                Assert.Equal(reference[key], index.ValueAt(bucket));
                if (random.Next(2) == 0)
                {
                    index.RemoveAt(bucket);
                    reference.Remove(key);
                }
                else
                {
                    // The key moves to a free slot of the store (as a tuple reused in another ring position).
                    int moved = FreeValue(random, reference, keys.Length);
                    keys[moved] = key;
                    index.ReplaceValueAt(bucket, moved);
                    reference[key] = moved;
                }
            }
            else
            {
                int value = FreeValue(random, reference, keys.Length);
                keys[value] = key;
                index.AddAt(bucket, Hash(key), value);
                reference[key] = value;
            }
            Assert.Equal(reference.Count, index.Count);
        }

        Assert.Equal(reference.Values.Order(), index.Values().Order());
        foreach ((long key, int value) in reference)
        {
            Assert.True(index.TryGetValue(in key, Hash(key), out int found));
            Assert.Equal(value, found);
        }
    }
}
