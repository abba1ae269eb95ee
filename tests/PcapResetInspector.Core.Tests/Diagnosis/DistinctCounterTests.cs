using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The distinct-address count: exact up to its limit, then a HyperLogLog estimate kept as registers change.</summary>
public class DistinctCounterTests
{
    private static IpAddress128 Address(int i) => IpAddress128.Parse($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}");

    [Fact]
    public void Counts_exactly_up_to_the_limit_and_ignores_repeats()
    {
        var counter = new DistinctCounter();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < DistinctCounter.ExactLimit; i++)
                counter.Add(Address(i));
        }
        Assert.False(counter.IsEstimate);
        Assert.Equal(DistinctCounter.ExactLimit, counter.Count);
    }

    [Theory]
    [InlineData(2_000)]
    [InlineData(50_000)]
    [InlineData(1_000_000)]
    public void Estimates_within_five_standard_errors_and_repeats_do_not_move_it(int distinct)
    {
        var counter = new DistinctCounter();
        for (int i = 0; i < distinct; i++)
            counter.Add(Address(i));
        long estimate = counter.Count;
        for (int i = 0; i < distinct; i += 7)
            counter.Add(Address(i));

        Assert.True(counter.IsEstimate);
        Assert.Equal(estimate, counter.Count);
        Assert.InRange(estimate, (long)(distinct * (1 - 5 * 0.0163)), (long)(distinct * (1 + 5 * 0.0163)));
    }
}
