using System.Runtime.CompilerServices;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>The connection table: creating and removing connections, and the cap on their number (eviction, least useful first).</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- creation and removal

    private int NewConnection(in ConnectionKey key, in TcpSegment s)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _freeSlots[--_freeCount];
        }
        else
        {
            slot = _slotHighWater++;
            int chunk = slot >> ChunkShift;
            if (chunk == _chunks.Length)
                Array.Resize(ref _chunks, _chunks.Length * 2);
            _chunks[chunk] ??= new Connection[ChunkSize];
        }

        ref Connection c = ref Slot(slot);
        int generation = c.Generation + 1;
        c = default;
        c.Generation = generation;
        c.InUse = true;
        c.Key = key;
        c.AIsLow = key.LowAddress == s.SourceAddress && key.LowPort == s.SourcePort;
        c.Vlan = s.Vlan;
        c.InnerVlan = s.InnerVlan;
        c.IpVersion = s.IpVersion;
        c.OriginatorIsA = true;
        c.A.Initialize();
        c.B.Initialize();
        c.Ordinal = _nextOrdinal++;
        c.StartTime = c.LastTime = s.TimestampNanos;
        c.FirstSegment = SegmentsProcessed;
        c.TimerLastTime = Math.Max(s.TimestampNanos, _networkTime);
        c.InactivityTimeout = _initialInactivity;
        c.IsActive = true;
        c.ExpireTick = Deadline.After(_networkTime, _synTimeout);
        c.QueuedDeadline = long.MaxValue;

        if (WantsFlip(s.SourcePort, s.DestinationPort, s.Flags))
            FlipRoles(ref c);
        // One more lookup, per connection rather than per packet: was this tuple used before?
        if (TakePrior(in key) is { } prior)
        {
            _priorBySlot[slot] = prior;
            bool fromOriginator = s.SourceAddress == prior.OriginatorAddress && s.SourcePort == prior.OriginatorPort;
            bool sameIsn = fromOriginator && (s.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn && prior.OriginatorSynSeq == s.SequenceNumber &&
                           prior.OriginatorSynSeq != 0;
            _sink.TupleReused(prior.Uid, new NextOnTuple(ConnectionUid.Create(in key, c.StartTime, c.Ordinal), s.TimestampNanos, sameIsn));
        }
        return slot;
    }

    /// <summary>
    /// TCPAnalyzer::WantConnection: a connection whose first packet is not a pure SYN takes its
    /// originator from the port numbers (zeek-conn-semantics §4.4 item 1).
    /// </summary>
    private bool WantsFlip(ushort sourcePort, ushort destinationPort, TcpFlags flags)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        if (syn && !ack)
            return false;
        if (!_likelyServerPort[sourcePort])
            return false;
        if (_likelyServerPort[destinationPort])
            return !syn && sourcePort < destinationPort;
        return true;
    }

    /// <summary>How many removed connections are remembered for linking (0 turns the memory off).</summary>
    public int RecentlyRemovedCapacity { get; init; } = 65_536;

    private void FreeSlot(int slot)
    {
        ref Connection c = ref Slot(slot);
        Unlink(slot, ref c);
        ReleasePendingBlock(ref c.A);
        ReleasePendingBlock(ref c.B);
        c.InUse = false;
        c.Generation++;
        if (_freeCount == _freeSlots.Length)
            Array.Resize(ref _freeSlots, _freeSlots.Length * 2);
        _freeSlots[_freeCount++] = slot;
    }

    private void Remove(int slot, RemovalReason reason, long when)
    {
        ref Connection c = ref Slot(slot);
        _index.Remove(in c.Key, c.Key.GetHashCode());
        Emit(slot, ref c, reason, when, remember: true);
        FreeSlot(slot);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Connection Slot(int slot) => ref _chunks[slot >> ChunkShift][slot & (ChunkSize - 1)];

    // ---------------------------------------------------------------- the table cap

    // Letters of either host that only a completed handshake or a mid-stream pickup produces: data, a bare ACK, a FIN.
    private const uint HistBeyondHandshake =
        (HistDataPacket | HistAckPacket | HistFinPacket) | ((HistDataPacket | HistAckPacket | HistFinPacket) << 16);

    /// <summary>
    /// Which eviction list a connection belongs in. The cheapest loss is a half-open attempt: only one
    /// host has sent anything (an unanswered SYN, backscatter, a one-sided probe), or the hosts have
    /// exchanged nothing but SYNs and SYN-ACKs (a SYN flood's answered attempts, "Sh", which a
    /// server holds in its SYN backlog until the ACK that never comes, RFC 4987 §2). A connection
    /// both hosts took part in that is already closed or reset (a refused connect, a flood's attempt
    /// reset by the host whose address was forged) has its final state and only waits out the close delay.
    /// </summary>
    private static EvictionTier TierOf(ref Connection c)
    {
        if (c.A.PacketsSent == 0 || c.B.PacketsSent == 0)
            return EvictionTier.HalfOpen;
        if (c.CloseDeleteDeadline != 0)
            return EvictionTier.Finished;
        return (c.HistorySeen & HistBeyondHandshake) == 0 ? EvictionTier.HalfOpen : EvictionTier.Active;
    }

    /// <summary>After a packet: the connection becomes the most recently active of its tier.</summary>
    private void Touch(int slot, ref Connection c)
    {
        EvictionTier tier = TierOf(ref c);
        if (c.Tier == tier && _lruTail[(int)tier] == slot)
            return;
        Unlink(slot, ref c);
        int t = (int)tier;
        c.Tier = tier;
        c.LruNext = NoSlot;
        c.LruPrev = _lruTail[t];
        if (c.LruPrev == NoSlot)
            _lruHead[t] = slot;
        else
            Slot(c.LruPrev).LruNext = slot;
        _lruTail[t] = slot;
    }

    private void Unlink(int slot, ref Connection c)
    {
        if (c.Tier == EvictionTier.None)
            return;
        int t = (int)c.Tier;
        if (c.LruPrev == NoSlot)
            _lruHead[t] = c.LruNext;
        else
            Slot(c.LruPrev).LruNext = c.LruNext;
        if (c.LruNext == NoSlot)
            _lruTail[t] = c.LruPrev;
        else
            Slot(c.LruNext).LruPrev = c.LruPrev;
        c.Tier = EvictionTier.None;
    }

    /// <summary>
    /// Makes room for a new connection: the least recently active half-open one leaves first, then the
    /// least recently active finished one, then the least recently active of the rest. It goes to the
    /// sink like any other (Removal = Evicted), so nothing is lost from the output.
    /// </summary>
    private void EvictOne()
    {
        for (int t = (int)EvictionTier.HalfOpen; t <= (int)EvictionTier.Active; t++)
        {
            int victim = _lruHead[t];
            if (victim == NoSlot)
                continue;
            switch ((EvictionTier)t)
            {
                case EvictionTier.HalfOpen: EvictedHalfOpen++; break;
                case EvictionTier.Finished: EvictedFinished++; break;
                default: EvictedActive++; break;
            }
            Remove(victim, RemovalReason.Evicted, _networkTime);
            return;
        }
    }
}
