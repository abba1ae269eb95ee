using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Tests.Decoding;

public class DecodeCountersTests
{
    [Fact]
    public void Counts_each_status_and_the_total()
    {
        var counters = new DecodeCounters();
        counters.Add(DecodeStatus.Tcp);
        counters.Add(DecodeStatus.Tcp);
        counters.Add(DecodeStatus.Tcp);
        counters.Add(DecodeStatus.NotTcp);
        counters.Add(DecodeStatus.UnsupportedLinkType);
        counters.Add(DecodeStatus.UnsupportedLinkType);

        Assert.Equal(3, counters[DecodeStatus.Tcp]);
        Assert.Equal(1, counters[DecodeStatus.NotTcp]);
        Assert.Equal(2, counters[DecodeStatus.UnsupportedLinkType]);
        Assert.Equal(0, counters[DecodeStatus.Malformed]);
        Assert.Equal(6, counters.Total);
        Assert.Equal(3, counters.NotAnalysed);
    }

    [Fact]
    public void Every_status_has_a_slot()
    {
        var counters = new DecodeCounters();
        foreach (DecodeStatus status in Enum.GetValues<DecodeStatus>())
        {
            counters.Add(status);
        }
        Assert.Equal(Enum.GetValues<DecodeStatus>().Length, counters.Total);
        Assert.All(Enum.GetValues<DecodeStatus>(), status => Assert.Equal(1, counters[status]));
    }

    [Fact]
    public void Non_zero_lists_statuses_in_enum_order_and_skip_reasons_leave_out_tcp()
    {
        var counters = new DecodeCounters();
        counters.Add(DecodeStatus.Truncated);
        counters.Add(DecodeStatus.NotIp);
        counters.Add(DecodeStatus.Tcp);
        counters.Add(DecodeStatus.NotIp);

        Assert.Equal(
            [new(DecodeStatus.Tcp, 1), new(DecodeStatus.NotIp, 2), new(DecodeStatus.Truncated, 1)],
            counters.NonZero().ToArray());
        Assert.Equal(
            [new(DecodeStatus.NotIp, 2), new(DecodeStatus.Truncated, 1)],
            counters.SkipReasons().ToArray());
        Assert.Empty(new DecodeCounters().NonZero());
    }

    [Fact]
    public void Counters_add_into_each_other()
    {
        var first = new DecodeCounters();
        first.Add(DecodeStatus.Fragment);
        var second = new DecodeCounters();
        second.Add(DecodeStatus.Fragment);
        second.Add(DecodeStatus.Malformed);

        first.Add(second);

        Assert.Equal(2, first[DecodeStatus.Fragment]);
        Assert.Equal(1, first[DecodeStatus.Malformed]);
        Assert.Equal(3, first.Total);
        Assert.Equal(2, second.Total);
    }
}
