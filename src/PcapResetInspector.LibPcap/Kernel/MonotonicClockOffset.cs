using System.Diagnostics;

namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// Realtime minus CLOCK_MONOTONIC (which Stopwatch reads on Linux), to turn the tracefs instance's "mono" times
/// into packet times. Read once per event it was noise: the two clocks are read one after the other, so a
/// reader thread preempted between them (a busy host) moved each event by up to a scheduling slice, and two
/// events microseconds apart (a received RST and its socket's close) could swap order. So the offset is
/// sampled a few times, the tightest pair kept, and held for <see cref="RefreshEvery"/>: events read together
/// keep their kernel spacing exactly, and a step of the wall clock during a long capture is still followed.
/// </summary>
internal sealed class MonotonicClockOffset(Func<long>? monotonicNanos = null, Func<long>? realtimeNanos = null)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(1);

    private const int Samples = 5;

    private readonly Func<long> _monotonic = monotonicNanos ?? StopwatchNanos;
    private readonly Func<long> _realtime = realtimeNanos ?? RealtimeNanos;
    private long _offset;
    private long _sampledAt = long.MinValue;

    public long Nanos
    {
        get
        {
            long now = _monotonic();
            if (now - _sampledAt >= RefreshEvery.Ticks * 100 || _sampledAt == long.MinValue)
                (_offset, _sampledAt) = (Sample(), now);
            return _offset;
        }
    }

    /// <summary>The realtime reading bracketed by the two closest monotonic readings of a few tries.</summary>
    private long Sample()
    {
        long best = 0, narrowest = long.MaxValue;
        for (int i = 0; i < Samples; i++)
        {
            long before = _monotonic();
            long real = _realtime();
            long after = _monotonic();
            if (after - before < narrowest)
                (narrowest, best) = (after - before, real - (before + (after - before) / 2));
        }
        return best;
    }

    private static long StopwatchNanos() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    private static long RealtimeNanos() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
}
