using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Kernel;

/// <summary>
/// The kernel's reset events of a capture, kept by 4-tuple until a diagnosis asks for them. Filled by the
/// tracefs reader's thread and read by the pipeline's: every member locks. Bounded: past
/// <see cref="MaxEvents"/> the oldest events go first (a diagnosis asks within seconds of its RST).
/// </summary>
public sealed class KernelResetBook
{
    /// <summary>
    /// How far apart the event and the first RST on the wire may be: both are stamped by the same host's clocks
    /// within microseconds; the margin is for the clock conversion, not for the reader's lag.
    /// </summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMilliseconds(500);

    public const int MaxEvents = 200_000;

    private readonly Dictionary<Key, List<KernelResetEvent>> _byTuple = new();
    private readonly Queue<(Key Key, KernelResetEvent Event)> _order = new();
    private readonly long _toleranceNanos;
    private readonly object _lock = new();

    public KernelResetBook(TimeSpan? tolerance = null)
    {
        _toleranceNanos = (long)(tolerance ?? DefaultTolerance).TotalMilliseconds * 1_000_000;
    }

    private readonly record struct Key(KernelResetDirection Direction, IpAddress128 Local, ushort LocalPort, IpAddress128 Remote, ushort RemotePort);

    /// <summary>Events taken so far (sent and received).</summary>
    public long Count { get; private set; }

    public void Add(KernelResetEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // A listener answering a stray segment reports its own addresses: no peer, and perhaps no local address
        // (tcp_send_reset stores the socket's addresses when it has one, include/trace/events/tcp.h). It is
        // filed under its port alone and joins any connection to that port.
        var key = e.RemotePort == 0
            ? new Key(e.Direction, default, e.LocalPort, default, 0)
            : new Key(e.Direction, e.LocalAddress, e.LocalPort, e.RemoteAddress, e.RemotePort);
        lock (_lock)
        {
            if (!_byTuple.TryGetValue(key, out List<KernelResetEvent>? list))
                _byTuple[key] = list = [];
            list.Add(e);
            _order.Enqueue((key, e));
            Count++;
            if (_order.Count > MaxEvents)
                Forget(_order.Dequeue());
        }
    }

    /// <summary>The event on this tuple nearest to <paramref name="timeNanos"/> within the tolerance, or null.</summary>
    public KernelResetEvent? Find(KernelResetDirection direction, IpAddress128 local, ushort localPort,
        IpAddress128 remote, ushort remotePort, long timeNanos)
    {
        KernelResetEvent? best = null;
        long bestGap = long.MaxValue;
        lock (_lock)
        {
            foreach (Key key in new[] { new Key(direction, local, localPort, remote, remotePort), new Key(direction, default, localPort, default, 0) })
            {
                if (!_byTuple.TryGetValue(key, out List<KernelResetEvent>? list))
                    continue;
                foreach (KernelResetEvent e in list)
                {
                    long gap = Math.Abs(e.TimeNanos - timeNanos);
                    if (gap <= _toleranceNanos && gap < bestGap)
                        (best, bestGap) = (e, gap);
                }
            }
        }
        return best;
    }

    private void Forget((Key Key, KernelResetEvent Event) oldest)
    {
        List<KernelResetEvent> list = _byTuple[oldest.Key];
        list.Remove(oldest.Event);
        if (list.Count == 0)
            _byTuple.Remove(oldest.Key);
    }
}
