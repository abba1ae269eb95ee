using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

public class RecentSecondCountsTests
{
    [Fact]
    public void Counts_each_second_whatever_the_order_of_arrival()
    {
        var counts = new RecentSecondCounts(secondsKept: 3600, second: 100, count: 2);
        Assert.Equal(1, counts.Add(105));
        Assert.Equal(1, counts.Add(103)); // late, inserted between
        Assert.Equal(3, counts.Add(100));
        Assert.Equal(2, counts.Add(103));
        Assert.Equal(2, counts.Add(105));
        for (long s = 106; s < 120; s++)
            Assert.Equal(1, counts.Add(s)); // grows past the first arrays
        Assert.Equal(3, counts.Add(105));
        Assert.Equal(4, counts.Add(100));
    }

    [Fact]
    public void Forgets_seconds_older_than_the_window_and_refuses_to_count_them()
    {
        var counts = new RecentSecondCounts(secondsKept: 10, second: 100, count: 5);
        Assert.Equal(1, counts.Add(105));
        Assert.Equal(6, counts.Add(100));
        Assert.Equal(1, counts.Add(110)); // 100 is now out of the window
        Assert.Equal(0, counts.Add(100));
        Assert.Equal(2, counts.Add(105));
        Assert.Equal(1, counts.Add(101)); // inside the window again: counted afresh
    }
}
