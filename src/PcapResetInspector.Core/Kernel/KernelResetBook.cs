using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Kernel;

/// <summary>What the tracefs reader hands its events to.</summary>
public interface IKernelResetSink
{
    void Add(KernelResetEvent e);

    /// <summary>The state <paramref name="received"/>'s socket was in when the RST came (inet_sock_set_state's oldstate).</summary>
    void SetReceiverState(KernelResetEvent received, string state);
}

/// <summary>
/// The kernel's reset events of a capture, kept by 4-tuple until a diagnosis takes them. Filled by the tracefs
/// reader's thread and read by the pipeline's: every member locks. Bounded: past <see cref="MaxEvents"/> the
/// oldest events go first (a diagnosis asks within seconds of its RST).
/// </summary>
/// <remarks>
/// tcp_send_reset names the exact 4-tuple whenever it can (include/trace/events/tcp.h): the socket's for a full
/// socket, the segment's (reversed) for no socket, a timewait or a request socket. Only a listener's RST names
/// no peer (measured on Linux 6.18: "src=127.0.0.1:PORT dest=0.0.0.0:0 state=TCP_LISTEN", or src 0.0.0.0 for a
/// listener bound to any address). So an event with a tuple joins only that tuple, and a listener's joins any
/// connection to its port (and address, when it is bound to one); of those, the one nearest in time to the RST
/// on the wire, an exact tuple winning a tie. Nearest, not exact-first: a socket whose own RST never reached the
/// wire (dropped by a firewall) leaves an event on the tuple, and the listener's RST that the wire then shows
/// is the one to join. Each event joins one connection at most: a join takes it out of the book, so two resets
/// of one listener within the window cannot both take the same event.
/// </remarks>
public sealed class KernelResetBook : IKernelResetSink
{
    /// <summary>
    /// How far apart the event and the first RST on the wire may be: both are stamped by the same host's clocks
    /// within microseconds; the margin is for the clock conversion, not for the reader's lag.
    /// </summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMilliseconds(500);

    public const int MaxEvents = 200_000;

    private readonly Dictionary<Key, List<Entry>> _byTuple = new();
    private readonly Queue<Entry> _order = new();
    private readonly long _toleranceNanos;
    private readonly object _lock = new();

    public KernelResetBook(TimeSpan? tolerance = null)
    {
        _toleranceNanos = (long)(tolerance ?? DefaultTolerance).TotalMilliseconds * 1_000_000;
    }

    private readonly record struct Key(KernelResetDirection Direction, IpAddress128 Local, ushort LocalPort, IpAddress128 Remote, ushort RemotePort);

    /// <summary>One event in the book; its state may arrive after it (a received RST's), so it is replaced in place.</summary>
    private sealed class Entry(Key key, KernelResetEvent e)
    {
        public Key Key { get; } = key;
        public KernelResetEvent Event { get; set; } = e;
        public bool Taken { get; set; }
    }

    /// <summary>Events read into the book so far (sent and received), joined or not.</summary>
    public long Count { get; private set; }

    public void Add(KernelResetEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var entry = new Entry(KeyOf(e), e);
        lock (_lock)
        {
            if (!_byTuple.TryGetValue(entry.Key, out List<Entry>? list))
                _byTuple[entry.Key] = list = [];
            list.Add(entry);
            _order.Enqueue(entry);
            Count++;
            if (_order.Count > MaxEvents)
                Remove(_order.Dequeue());
        }
    }

    public void SetReceiverState(KernelResetEvent received, string state)
    {
        ArgumentNullException.ThrowIfNull(received);
        lock (_lock)
        {
            if (!_byTuple.TryGetValue(KeyOf(received), out List<Entry>? list))
                return; // taken or forgotten already
            foreach (Entry entry in list)
            {
                if (ReferenceEquals(entry.Event, received))
                {
                    entry.Event = received with { State = state };
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The event for a RST on this tuple, or a listener's on its local port, nearest to <paramref name="timeNanos"/>
    /// within the tolerance, taken out of the book. Null when none.
    /// </summary>
    public KernelResetEvent? Take(KernelResetDirection direction, IpAddress128 local, ushort localPort,
        IpAddress128 remote, ushort remotePort, long timeNanos)
    {
        lock (_lock)
        {
            (Entry? best, long gap) = Nearest(new Key(direction, local, localPort, remote, remotePort), timeNanos, _ => true);
            (Entry? listener, long listenerGap) = Nearest(ListenerKey(direction, localPort), timeNanos,
                e => IsUnspecified(e.LocalAddress) || e.LocalAddress == local);
            if (listener is not null && listenerGap < gap)
                best = listener;
            if (best is null)
                return null;
            Remove(best);
            return best.Event;
        }
    }

    private (Entry? Entry, long Gap) Nearest(Key key, long timeNanos, Func<KernelResetEvent, bool> fits)
    {
        Entry? best = null;
        long bestGap = long.MaxValue;
        if (!_byTuple.TryGetValue(key, out List<Entry>? list))
            return (best, bestGap);
        foreach (Entry entry in list)
        {
            long gap = Math.Abs(entry.Event.TimeNanos - timeNanos);
            if (gap <= _toleranceNanos && gap < bestGap && fits(entry.Event))
                (best, bestGap) = (entry, gap);
        }
        return (best, bestGap);
    }

    /// <summary>A listener's event names no peer: it is filed under its port alone.</summary>
    private static Key KeyOf(KernelResetEvent e) => e.RemotePort == 0
        ? ListenerKey(e.Direction, e.LocalPort)
        : new Key(e.Direction, e.LocalAddress, e.LocalPort, e.RemoteAddress, e.RemotePort);

    private static Key ListenerKey(KernelResetDirection direction, ushort port) => new(direction, default, port, default, 0);

    /// <summary>0.0.0.0 (stored IPv4-mapped) or ::, a listener bound to every address.</summary>
    private static bool IsUnspecified(IpAddress128 address) =>
        address == default || address == IpAddress128.FromIPv4(0);

    private void Remove(Entry entry)
    {
        if (entry.Taken)
            return;
        entry.Taken = true;
        List<Entry> list = _byTuple[entry.Key];
        list.Remove(entry);
        if (list.Count == 0)
            _byTuple.Remove(entry.Key);
    }
}
