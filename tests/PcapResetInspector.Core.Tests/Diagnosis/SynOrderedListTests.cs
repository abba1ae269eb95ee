using PcapResetInspector.Core.Diagnosis;
using Xunit;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// The race books' SYN-ordered list must read exactly like one flat list sorted by SYN (arrival order among
/// equal SYNs), whatever order items arrive in: the race pairing's choices depend on that order.
/// </summary>
public class SynOrderedListTests
{
    private sealed record Item(long Syn, int Arrival);

    private const long Ms = 1_000_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_like_a_flat_sorted_list_through_inserts_windows_and_removals(int seed)
    {
        var random = new Random(seed);
        var list = new SynOrderedList<Item>(static i => i.Syn);
        var flat = new List<Item>();
        long now = 1_700_000_000_000 * Ms;
        for (int arrival = 0; arrival < 5_000; arrival++)
        {
            now += random.Next(0, 3) * Ms;
            // Late arrivals of up to 4 s, as connections that lasted longer leave the table later; some SYNs equal.
            long syn = now - random.Next(0, 4_000) * Ms / (random.Next(0, 4) == 0 ? 1_000 : 1);
            var item = new Item(syn, arrival);
            list.Add(item);
            flat.Add(item);

            switch (random.Next(0, 20))
            {
                case 0:
                    long before = now - random.Next(1_000, 6_000) * Ms;
                    list.RemoveSynBefore(before);
                    flat.RemoveAll(i => i.Syn < before);
                    break;
                case 1:
                    int modulus = random.Next(2, 7);
                    list.RemoveAll(i => i.Arrival % modulus == 0);
                    flat.RemoveAll(i => i.Arrival % modulus == 0);
                    break;
            }

            if (arrival % 50 == 0)
            {
                List<Item> sorted = flat.OrderBy(i => i.Syn).ThenBy(i => i.Arrival).ToList();
                Assert.Equal(sorted.Count, list.Count);
                Assert.Equal(sorted, Read(list.All));
                long center = now - random.Next(0, 5_000) * Ms;
                long window = random.Next(0, 2_000) * Ms;
                Assert.Equal(sorted.Where(i => i.Syn >= center - window && i.Syn <= center + window), Read(list.Near(center, window)));
            }
        }
    }

    [Fact]
    public void A_window_reaching_past_the_end_of_time_reads_to_the_last_item()
    {
        var list = new SynOrderedList<Item>(static i => i.Syn);
        list.Add(new Item(long.MaxValue - 5, 0));
        list.Add(new Item(long.MaxValue - 10, 1));
        Assert.Equal([1, 0], Read(list.Near(long.MaxValue - 8, long.MaxValue / 2)).Select(i => i.Arrival));
    }

    [Fact]
    public void Negative_syn_times_keep_their_order()
    {
        var list = new SynOrderedList<Item>(static i => i.Syn);
        foreach (long syn in new[] { 5L, -1L, -250 * Ms, 0L, -1L, 150 * Ms })
            list.Add(new Item(syn, list.Count));
        Assert.Equal([-250 * Ms, -1, -1, 0, 5, 150 * Ms], Read(list.All).Select(i => i.Syn));
        Assert.Equal([1, 4], Read(list.Near(-1, 0)).Select(i => i.Arrival));
    }

    private static List<Item> Read(SynOrderedList<Item>.Range range)
    {
        var read = new List<Item>();
        foreach (Item item in range)
            read.Add(item);
        return read;
    }
}
