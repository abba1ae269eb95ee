namespace PcapResetInspector.Core.Connections;

/// <summary>Deadlines in network time (nanoseconds since the Unix epoch).</summary>
internal static class Deadline
{
    /// <summary>A deadline past the end of the nanosecond range (year 2262): it never comes.</summary>
    public const long Never = long.MaxValue;

    /// <summary>
    /// <paramref name="time"/> + <paramref name="delay"/>, held at <see cref="Never"/> rather than wrapping into
    /// the past: readers clamp timestamps they cannot hold to long.MaxValue, and a wrapped deadline would
    /// come at once (a connection expired at its next packet, a waiting connection judged before its sibling leaves).
    /// </summary>
    public static long After(long time, long delay) => delay > 0 && time > Never - delay ? Never : time + delay;
}
