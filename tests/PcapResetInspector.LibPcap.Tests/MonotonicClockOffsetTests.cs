using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>The offset from the tracefs instance's monotonic clock to packet time: steady between refreshes, from the tightest sample.</summary>
public sealed class MonotonicClockOffsetTests
{
    private const long Ms = 1_000_000;

    /// <summary>Clocks that the test moves; each monotonic read can be made to take a while (a preempted reader).</summary>
    private sealed class Clocks
    {
        public long Monotonic = 1_000 * Ms;
        public long RealtimeMinusMonotonic = 1_700_000_000_000 * Ms;
        public Queue<long> ReadDelays { get; } = new();

        public long ReadMonotonic()
        {
            Monotonic += ReadDelays.TryDequeue(out long delay) ? delay : 1_000;
            return Monotonic;
        }

        public long ReadRealtime() => Monotonic + RealtimeMinusMonotonic;
    }

    [Fact]
    public void Events_read_together_share_one_offset_even_when_the_reader_is_preempted()
    {
        var clocks = new Clocks();
        var offset = new MonotonicClockOffset(clocks.ReadMonotonic, clocks.ReadRealtime);
        long first = offset.Nanos;
        // Preempted for 4 ms between reads: a per-event offset would move this event by 4 ms.
        clocks.ReadDelays.Enqueue(4 * Ms);
        Assert.Equal(first, offset.Nanos);
        Assert.InRange(first - clocks.RealtimeMinusMonotonic, -2_000, 2_000);
    }

    [Fact]
    public void A_sample_spoilt_by_preemption_is_not_the_one_kept()
    {
        var clocks = new Clocks();
        // The first try is preempted for 8 ms after its realtime read; the later ones are tight.
        clocks.ReadDelays.Enqueue(1_000);
        clocks.ReadDelays.Enqueue(8 * Ms);
        var offset = new MonotonicClockOffset(clocks.ReadMonotonic, clocks.ReadRealtime);
        Assert.InRange(offset.Nanos - clocks.RealtimeMinusMonotonic, -2_000, 2_000);
    }

    [Fact]
    public void A_step_of_the_wall_clock_is_followed_at_the_next_refresh()
    {
        var clocks = new Clocks();
        var offset = new MonotonicClockOffset(clocks.ReadMonotonic, clocks.ReadRealtime);
        long before = offset.Nanos;
        clocks.RealtimeMinusMonotonic += 250 * Ms;
        Assert.Equal(before, offset.Nanos);
        clocks.Monotonic += MonotonicClockOffset.RefreshEvery.Ticks * 100;
        Assert.InRange(offset.Nanos - before, 250 * Ms - 2_000, 250 * Ms + 2_000);
    }
}
