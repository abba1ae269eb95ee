using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Flows;

/// <summary>
/// The flow table and the TCP state machine: turns decoded segments into connections with Zeek's
/// endpoint states, history and counters (zeek-conn-semantics §2, §4, §5), and hands each
/// connection to the sink when it leaves the table. One hash lookup per packet; connection state
/// lives by value in a slot array, so steady-state processing allocates nothing.
/// </summary>
public sealed partial class FlowTracker
{
    private const int TooLargeSeqDelta = 1_048_576; // TOO_LARGE_SEQ_DELTA in TCPSessionAdapter.cc

    // History masks (TCP_Endpoint.h HIST_*); the responder's are these shifted left by 16.
    private const uint HistSynPacket = 0x1;
    private const uint HistFinPacket = 0x2;
    private const uint HistRstPacket = 0x4;
    private const uint HistFinRstPacket = 0x8;
    private const uint HistDataPacket = 0x10;
    private const uint HistAckPacket = 0x20;
    private const uint HistMultiFlagPacket = 0x40;

    private const byte FirstPacketOriginator = 1;
    private const byte FirstPacketResponder = 2;

    private readonly FlowTrackerOptions _options;
    private readonly IConnectionSink _sink;
    private readonly TimerQueue _timers = new();
    private readonly KeyIndex<FlowKey, ConnectionKeys> _index;

    /// <summary>The flow index reads each key from the connection in the slot it maps to.</summary>
    private readonly struct ConnectionKeys(FlowTracker tracker) : IKeyStore<FlowKey>
    {
        public ref readonly FlowKey KeyAt(int value) => ref tracker.Slot(value).Key;
    }
    private readonly bool[] _likelyServerPort = new bool[65536];
    private readonly bool[] _longInactivityPort = new bool[65536];
    private readonly long _attemptDelay, _closeDelay, _linger, _synTimeout, _sessionTimer;
    private readonly long _initialInactivity, _inactivity, _longInactivity;
    // Connections live in fixed-size chunks rather than one array: the table grows without copying
    // (no moment with the old and the new array both alive) and without doubling's unused half, so
    // its memory stays close to what the live connections need. Chunks never move, so a ref into
    // one stays valid while others are added.
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private Connection[][] _chunks = new Connection[16][];
    private int[] _freeSlots = new int[1024];
    private int _freeCount;
    private int _slotHighWater;
    private long _networkTime;
    private long _nextOrdinal;
    private readonly Dictionary<int, PriorConnection> _priorBySlot = new();

    // The flow-table cap (FlowTrackerOptions.MaxConnections): one intrusive doubly-linked list per
    // eviction tier, least recently active at the head. Moving a connection to its tail on each packet
    // and taking a victim from a head are O(1) and allocate nothing. Index 0 (EvictionTier.None) is unused.
    private readonly int _maxConnections;
    private readonly int[] _lruHead = [NoSlot, NoSlot, NoSlot, NoSlot];
    private readonly int[] _lruTail = [NoSlot, NoSlot, NoSlot, NoSlot];
    private const int NoSlot = -1;

    // Scratch for compacting the timer queue (kept, so compaction allocates nothing once grown).
    private TimerEntry[] _timerScratch = [];
    private const int TimerCompactionSlack = 1024;

    public FlowTracker(IConnectionSink sink, FlowTrackerOptions? options = null)
    {
        _sink = sink;
        _index = new KeyIndex<FlowKey, ConnectionKeys>(new ConnectionKeys(this));
        _options = options ?? new FlowTrackerOptions();
        foreach (ushort port in _options.LikelyServerPorts)
            _likelyServerPort[port] = true;
        foreach (ushort port in _options.LongInactivityPorts)
            _longInactivityPort[port] = true;
        _attemptDelay = Nanos(_options.AttemptDelay);
        _closeDelay = Nanos(_options.CloseDelay);
        _linger = Nanos(_options.ConnectionLinger);
        _synTimeout = Nanos(_options.SynTimeout);
        _sessionTimer = Nanos(_options.SessionTimer);
        _initialInactivity = Nanos(_options.InitialInactivityTimeout);
        _inactivity = Nanos(_options.InactivityTimeout);
        _longInactivity = Nanos(_options.LongInactivityTimeout);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxConnections, "options.MaxConnections");
        _maxConnections = _options.MaxConnections;
    }

    /// <summary>Connections in the table now.</summary>
    public int ActiveConnections => _index.Count;

    /// <summary>Connections created so far.</summary>
    public long ConnectionsSeen => _nextOrdinal;

    /// <summary>The largest number of connections held at once.</summary>
    public int PeakConnections { get; private set; }

    /// <summary>How many times an expire timer ran (for tests that its work stays bounded).</summary>
    internal long ExpireTimerRuns { get; private set; }

    /// <summary>Entries in the timer queue, stale ones included (for tests of its bound).</summary>
    internal int QueuedTimers => _timers.Count;

    /// <summary>Packets dropped for a bad TCP or IPv4 header checksum (only with <see cref="FlowTrackerOptions.VerifyChecksums"/>).</summary>
    public long BadChecksumPackets { get; private set; }

    /// <summary>Connections pushed out by <see cref="FlowTrackerOptions.MaxConnections"/> (the sum of the three kinds below).</summary>
    public long EvictedConnections => EvictedHalfOpen + EvictedFinished + EvictedActive;

    /// <summary>Evicted half-open connections: unanswered SYNs (S0), SYN-ACKs never acknowledged (a flood's "Sh"), backscatter, one-sided probes.</summary>
    public long EvictedHalfOpen { get; private set; }

    /// <summary>Evicted connections that had already closed or been reset and were only waiting out the close delay.</summary>
    public long EvictedFinished { get; private set; }

    /// <summary>Evicted connections that both hosts had taken part in and that were still open.</summary>
    public long EvictedActive { get; private set; }

    private static long Nanos(TimeSpan span) => span.Ticks * 100;

    /// <summary>Feeds one decoded segment; <paramref name="frame"/> is the captured frame it came from.</summary>
    public void Process(in TcpSegment segment, ReadOnlySpan<byte> frame)
    {
        AdvanceNetworkTime(segment.TimestampNanos);
        RunTimers(_networkTime);

        if (_options.VerifyChecksums && TcpChecksum.VerifyIpv4Header(frame, in segment) == TcpChecksumResult.Invalid)
        {
            // IPAnalyzer::AnalyzePacket drops an IPv4 packet whose header checksum is bad (weird bad_IP_checksum)
            // before any connection lookup: it creates no connection, adds no letter (no C/c) and is not counted.
            // Baselines (no -C): core.checksums (bad_IP_checksum weird without a uid) and field-name-map2
            // (auth_change_session_keys.pcap, the server's headers all bad: "SAD" S0, resp_pkts 0).
            BadChecksumPackets++;
            return;
        }

        uint vlanKey = _options.IncludeVlanInKey ? ((uint)segment.Vlan << 16) | segment.InnerVlan : 0;
        FlowKey key = FlowKey.Create(segment.SourceAddress, segment.SourcePort, segment.DestinationAddress,
            segment.DestinationPort, vlanKey, out _);

        int hash = key.GetHashCode();
        int bucket = _index.FindBucket(in key, hash, out bool exists);
        int slot;
        if (!exists)
        {
            slot = NewConnection(in key, in segment);
            _index.AddAt(bucket, hash, slot);
            // The bucket is not used again: growing or evicting moves entries of the index.
            if (_maxConnections > 0 && _index.Count > _maxConnections)
                EvictOne();
        }
        else
        {
            slot = _index.ValueAt(bucket);
            ref Connection existing = ref Slot(slot);
            if (IsReuse(ref existing, in segment))
            {
                var next = new NextOnTuple(ConnectionUid.Create(in key, segment.TimestampNanos, _nextOrdinal), segment.TimestampNanos,
                    SameIsn(ref existing, in segment));
                Emit(slot, ref existing, RemovalReason.Reused, _networkTime, remember: true, next);
                FreeSlot(slot);
                // Neither the sink nor the new connection touches the index, so the bucket still holds the key.
                slot = NewConnection(in key, in segment);
                _index.ReplaceValueAt(bucket, slot);
            }
        }

        ref Connection c = ref Slot(slot);
        ProcessPacket(ref c, in segment, frame);
        Schedule(slot, ref c);
        if (_maxConnections > 0)
            Touch(slot, ref c);
        if (_index.Count > PeakConnections)
            PeakConnections = _index.Count;
    }

    /// <summary>Packets whose timestamp leapt far ahead of the others and was not followed (a corrupt timestamp).</summary>
    public long TimestampOutliers { get; private set; }

    /// <summary>Packets more than 1 s older than the newest seen (unsynchronised interfaces, merged captures).</summary>
    public long TimestampsBackwards { get; private set; }

    private const long OutlierJumpNanos = 3_600_000_000_000; // one hour
    private long _unconfirmedJump;

    /// <summary>
    /// Network time follows packet time forwards, never backwards (Zeek's timers only move on). A single
    /// packet more than an hour ahead of the rest does not move it until a second packet confirms the
    /// jump, so one corrupt timestamp cannot expire every connection in the capture.
    /// </summary>
    private void AdvanceNetworkTime(long packetTime)
    {
        if (packetTime <= _networkTime)
        {
            if (_networkTime - packetTime > 1_000_000_000)
                TimestampsBackwards++;
            _unconfirmedJump = 0;
            return;
        }
        if (_networkTime != 0 && packetTime - _networkTime > OutlierJumpNanos)
        {
            if (_unconfirmedJump == 0 || Math.Abs(packetTime - _unconfirmedJump) > OutlierJumpNanos)
            {
                _unconfirmedJump = packetTime;
                TimestampOutliers++;
                return;
            }
            TimestampOutliers--; // the jump was real: the previous packet was no outlier
        }
        _unconfirmedJump = 0;
        _networkTime = packetTime;
    }

    /// <summary>Advances network time without a packet (live capture on an idle interface), firing due timers.</summary>
    public void AdvanceTime(long nowNanos)
    {
        if (nowNanos > _networkTime)
            _networkTime = nowNanos;
        RunTimers(_networkTime);
    }

    /// <summary>End of input: every connection still in the table leaves it, in creation order (Zeek's Drain).</summary>
    public void Drain()
    {
        List<int> remaining = _index.Values();
        remaining.Sort((x, y) => Slot(x).Ordinal.CompareTo(Slot(y).Ordinal));
        foreach (int slot in remaining)
        {
            ref Connection c = ref Slot(slot);
            Emit(slot, ref c, RemovalReason.EndOfInput, _networkTime, remember: false);
            FreeSlot(slot);
        }
        _index.Clear();
        _timers.Clear();
    }

    // ---------------------------------------------------------------- creation and removal

    private int NewConnection(in FlowKey key, in TcpSegment s)
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

    // ---------------------------------------------------------------- timers

    private void Schedule(int slot, ref Connection c)
    {
        long deadline = NextDeadline(ref c, out _);
        if (deadline < c.QueuedDeadline)
        {
            if (_timers.Count >= 2 * _index.Count + TimerCompactionSlack)
                CompactTimers();
            c.QueuedDeadline = deadline;
            _timers.Enqueue(new TimerEntry(slot, c.Generation, deadline));
        }
    }

    /// <summary>
    /// Drops stale entries (connections removed before their deadline, as evicted or reused ones are,
    /// and deadlines superseded by earlier ones), so that the queue stays proportional to the table
    /// rather than to the rate of new connections. It runs only once stale entries outnumber the live
    /// connections, so its O(n log n) is spread over at least as many enqueues.
    /// </summary>
    private void CompactTimers()
    {
        int kept = 0;
        foreach (TimerEntry entry in _timers.UnorderedEntries)
        {
            long due = entry.Due;
            ref Connection c = ref Slot(entry.Slot);
            if (!c.InUse || c.Generation != entry.Generation || c.QueuedDeadline != due)
                continue;
            c.QueuedDeadline = ~due; // marked: a duplicate entry with the same deadline is not kept twice
            if (kept == _timerScratch.Length)
                Array.Resize(ref _timerScratch, Math.Max(2 * kept, _index.Count + 16));
            _timerScratch[kept++] = entry;
        }
        _timers.Clear();
        for (int i = 0; i < kept; i++)
        {
            TimerEntry entry = _timerScratch[i];
            Slot(entry.Slot).QueuedDeadline = entry.Due;
            _timers.Enqueue(entry);
        }
    }

    private enum TimerKind { Inactivity, Attempt, CloseDelete, Expire, Expire2 }

    /// <summary>A deadline that never comes is never queued.</summary>
    private const long Never = Deadline.Never;

    private static long NextDeadline(ref Connection c, out TimerKind kind)
    {
        long deadline = Deadline.After(c.TimerLastTime, c.InactivityTimeout);
        kind = TimerKind.Inactivity;
        if (c.AttemptDeadline != 0 && c.AttemptDeadline < deadline) { deadline = c.AttemptDeadline; kind = TimerKind.Attempt; }
        if (c.CloseDeleteDeadline != 0 && c.CloseDeleteDeadline < deadline) { deadline = c.CloseDeleteDeadline; kind = TimerKind.CloseDelete; }
        if (c.ExpireTick != 0 && c.ExpireTick < deadline) { deadline = c.ExpireTick; kind = TimerKind.Expire; }
        if (c.ExpireTick2 != 0 && c.ExpireTick2 < deadline) { deadline = c.ExpireTick2; kind = TimerKind.Expire2; }
        return deadline;
    }

    /// <summary>Zeek runs every timer due at or before the packet's time before processing the packet.</summary>
    private void RunTimers(long now)
    {
        while (_timers.TryPeek(out TimerEntry entry) && entry.Due <= now)
        {
            long due = entry.Due;
            _timers.Dequeue();
            ref Connection c = ref Slot(entry.Slot);
            if (!c.InUse || c.Generation != entry.Generation || c.QueuedDeadline != due)
                continue; // stale: the slot was reused, or a newer entry stands for this connection
            c.QueuedDeadline = long.MaxValue;
            if (FireDueTimer(entry.Slot, ref c, due, now))
                continue;
            // Its next timer goes back into the queue even when it is already due, so that after a jump in
            // network time every connection's timers run in time order with everyone else's, as Zeek's do.
            Schedule(entry.Slot, ref c);
        }
    }

    /// <summary>
    /// Fires this connection's earliest timer if it is the one queued for <paramref name="queuedAt"/>. True
    /// if it was removed. A packet that puts a deadline off leaves the earlier entry queued (see Schedule), so
    /// an entry can wake a connection whose earliest timer is now later: that timer goes back into the queue
    /// to wait for its own turn instead of running ahead of other connections' earlier ones.
    /// </summary>
    private bool FireDueTimer(int slot, ref Connection c, long queuedAt, long now)
    {
        long at = NextDeadline(ref c, out TimerKind kind);
        if (at > queuedAt || at > now || at == Never)
            return false;
        switch (kind)
        {
            case TimerKind.Inactivity:
                // Session::InactivityTimer: at last_time + timeout the connection is gone.
                Remove(slot, RemovalReason.Inactive, at);
                return true;
            case TimerKind.CloseDelete:
                Remove(slot, RemovalReason.Closed, at);
                return true;
            case TimerKind.Attempt:
                c.AttemptDeadline = 0;
                // TCPSessionAdapter::AttemptTimer: not extended by retransmitted SYNs.
                if (c.IsActive && Orig(ref c).State is EndpointState.SynSent or EndpointState.SynAckSent &&
                    Resp(ref c).State == EndpointState.Inactive)
                {
                    Remove(slot, RemovalReason.AttemptTimeout, at);
                    return true;
                }
                break;
            case TimerKind.Expire:
            case TimerKind.Expire2:
                if (kind == TimerKind.Expire) c.ExpireTick = 0; else c.ExpireTick2 = 0;
                ExpireTimerRuns++;
                if (!c.IsActive)
                    break; // ExpireTimer returns without re-arming once the analyzer is done
                bool closing = ExpireStateAllowsRemoval(ref c);
                long idleFrom = Deadline.After(c.TimerLastTime, _linger);
                if (closing && idleFrom < at)
                {
                    Remove(slot, RemovalReason.Expired, at);
                    return true;
                }
                // No packet arrives while timers run, so the ticks up to `quietUntil` would each find the same
                // state, or a connection not yet idle long enough: go straight to the first tick after them.
                // After a jump in network time this is one step instead of one per 6 s missed.
                long quietUntil = closing ? Math.Min(now, idleFrom) : now;
                long next = FirstTickAfter(at, quietUntil);
                if (kind == TimerKind.Expire) c.ExpireTick = next; else c.ExpireTick2 = next;
                break;
        }
        return false;
    }

    /// <summary>The first of the expire timer's ticks (<paramref name="at"/> + k * tcp_session_timer, k &gt;= 1) later than <paramref name="time"/>.</summary>
    private long FirstTickAfter(long at, long time)
    {
        long period = Math.Max(_sessionTimer, 1);
        if (time < at)
            return Deadline.After(at, period);
        long ticks = (time - at) / period + 1;
        return ticks > (Never - at) / period ? Never : at + ticks * period;
    }

    /// <summary>TCPSessionAdapter::ExpireTimer's removal test, less its idle condition: is the connection in a state it removes?</summary>
    private static bool ExpireStateAllowsRemoval(ref Connection c)
    {
        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        if (orig.DidClose || resp.DidClose)
        {
            if ((orig.DidClose && resp.DidClose) ||
                orig.State == EndpointState.Reset || resp.State == EndpointState.Reset ||
                orig.State == EndpointState.Inactive || resp.State == EndpointState.Inactive)
                return true;
        }
        return resp.State == EndpointState.Inactive && orig.State == EndpointState.Inactive;
    }

    // ---------------------------------------------------------------- per-packet processing

    private static ref TcpEndpoint Orig(ref Connection c) => ref c.OriginatorIsA ? ref c.A : ref c.B;
    private static ref TcpEndpoint Resp(ref Connection c) => ref c.OriginatorIsA ? ref c.B : ref c.A;

    /// <summary>TCPSessionAdapter::IsReuse (zeek-conn-semantics §5): may this SYN start a new connection?</summary>
    private static bool IsReuse(ref Connection c, in TcpSegment s)
    {
        if ((s.Flags & TcpFlags.Syn) == 0)
            return false;
        bool connOrigIsA = c.OriginatorIsA;
        if ((s.Flags & TcpFlags.Ack) != 0)
        {
            if (Orig(ref c).State != EndpointState.Inactive)
                return false; // not a half connection
            connOrigIsA = !connOrigIsA;
        }
        ref TcpEndpoint connOrig = ref connOrigIsA ? ref c.A : ref c.B;

        bool closed = c.A.DidClose || c.B.DidClose;
        if (!closed)
        {
            if (s.SequenceNumber == connOrig.StartSeq)
                return false; // a retransmitted SYN
            ref TcpEndpoint resp = ref Resp(ref c);
            if ((s.Flags & TcpFlags.Ack) == 0 && connOrig.State == EndpointState.SynAckSent &&
                resp.State == EndpointState.Inactive && s.SequenceNumber == resp.StartSeq)
                return false; // the SYN of a SYN-ACK captured first; the state machine flips the roles
        }
        return true;
    }

    private void ProcessPacket(ref Connection c, in TcpSegment s, ReadOnlySpan<byte> frame)
    {
        long t = s.TimestampNanos;
        bool fromA = s.SourceAddress == c.AddressA && s.SourcePort == c.PortA;
        ref TcpEndpoint ep = ref fromA ? ref c.A : ref c.B;
        ref TcpEndpoint peer = ref fromA ? ref c.B : ref c.A;
        bool isOrig = fromA == c.OriginatorIsA; // as looked up; Zeek keeps this value for the whole packet

        ep.PacketsSent++;
        if (s.TunnelDepth != 0 && c.TunnelKind == TunnelKind.None)
            RecordTunnel(ref c, in s, fromA);
        if (_options.VerifyChecksums && TcpChecksum.Verify(frame, in s) == TcpChecksumResult.Invalid)
        {
            // Zeek drops the packet after logging C/c: no state change, not counted (§2.1 step 2).
            BadChecksumPackets++;
            ScaledHistoryEntry(ref c, fromA, 'C', ref ep.ChecksumErrorCount, ref ep.ChecksumErrorThreshold);
            return;
        }

        TcpFlags flags = s.Flags;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        int len = s.PayloadLength;
        uint baseSeq = s.SequenceNumber;
        uint ackSeq = s.AcknowledgmentNumber;

        RecordEvidenceBeforeState(ref c, ref ep, ref peer, in s, fromA, frame);
        SetPartialStatus(ref c, flags, isOrig);

        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        if (rst)
            segLen -= len; // RST payload is not part of the stream
        uint seqOnePastSegment = baseSeq + (uint)segLen;

        InitEndpoint(ref ep, flags, baseSeq, seqOnePastSegment);

        ulong relSeq = RelativeSeq(ref ep, baseSeq, ep.LastSeq, ep.SeqWraps, out bool seqUnderflow);

        UpdateHistory(ref c, fromA, flags, ref ep, relSeq, len);
        UpdateWindow(ref c, fromA, ref ep, ref peer, s.Window, flags);

        if (!c.A.DidClose || !c.B.DidClose)
        {
            c.LastTime = t;
            c.TimerLastTime = Math.Max(t, _networkTime);
        }

        if (syn)
            InitWindow(ref ep, ref peer, flags, (s.Options & TcpOptionsSeen.WindowScale) != 0 ? s.WindowScale : -1);
        if (syn)
            ep.SynCount++;
        if (fin)
        {
            ep.FinCount++;
            ep.FinSeq = relSeq + (ulong)segLen;
        }
        if (rst)
            ep.RstCount++;

        ulong relAck = 0;
        if (ack)
        {
            if (peer.State == EndpointState.Inactive)
            {
                relAck = 1;
                InitPeer(ref peer, ackSeq);
            }
            else
            {
                relAck = RelativeSeq(ref peer, ackSeq, peer.AckSeq, peer.AckWraps, out bool ackUnderflow);
                if (ackUnderflow)
                    relAck = 0;
                else if (!rst)
                    UpdateAckSeq(ref peer, ackSeq); // acks in RSTs are not trusted
            }
        }

        UpdateLastSeq(ref c, fromA, ref ep, seqOnePastSegment, flags, len);

        UpdateStateMachine(ref c, ref ep, ref peer, fromA, baseSeq, len, isOrig, flags,
            out bool doClose, out bool genEvent);

        if (ack)
            AckReceived(ref c, ref peer, !fromA, relAck);

        ulong relDataSeq = syn ? relSeq + 1 : relSeq;
        // TCP_Endpoint::DataSent hands a segment to the reassembler only when its whole payload was
        // captured (caplen >= len; otherwise weird truncated_tcp_payload). A snaplen-truncated segment
        // is never delivered, so the ack that covers it reveals a content gap (G/g, missed_bytes), as
        // in Zeek's retransmit-fast009 baseline (ShADaGdgtR, missed_bytes 24257). Zeek reassembles a
        // fragmented tunnel packet before this point; its first fragment stands for the whole here.
        bool wholePayload = s.CapturedPayloadLength >= len || s.CutByOuterFragmentation;
        if (len > 0 && !rst && !seqUnderflow && wholePayload)
            DataSent(ref ep, relDataSeq, len);

        if (doClose)
            ConnectionClosed(ref c, ref ep, ref peer, genEvent);

        // TCPSessionAdapter::CheckPIA_FirstPacket marks each role's first packet after processing.
        bool origNow = fromA == c.OriginatorIsA;
        c.FirstPacketSeen |= origNow ? FirstPacketOriginator : FirstPacketResponder;

        // ConnSize counts after the TCP analyzer, and the counters follow the hosts through a flip
        // (ConnSize_Analyzer::FlipRoles). A flip during this very packet (the "H" + A/D rewrite, or
        // the SYN after its SYN-ACK) also turns the packet's is_orig before ConnSize sees it
        // (TCPAnalyzer::DeliverPacket, Zeek commit 3f02ed368a), so the packet counts for its sender.
        ep.Packets++;
        ep.IpBytes += (ulong)s.IpTotalLength;
    }

    private static void SetPartialStatus(ref Connection c, TcpFlags flags, bool isOrig)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        if (isOrig)
        {
            if ((c.FirstPacketSeen & FirstPacketOriginator) == 0)
                c.IsPartial = !syn || ack;
        }
        else if ((c.FirstPacketSeen & FirstPacketResponder) == 0 && !c.IsPartial)
        {
            c.IsPartial = !syn;
        }
    }

    /// <summary>init_endpoint in TCPSessionAdapter.cc: where an endpoint's sequence space starts.</summary>
    private static void InitEndpoint(ref TcpEndpoint ep, TcpFlags flags, uint firstSegSeq, uint lastSeq)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        switch (ep.State)
        {
            case EndpointState.Inactive:
                if (syn)
                {
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitStartSeq(firstSegSeq);
                }
                else
                {
                    // A partial connection: number as though a SYN had been seen.
                    ep.InitAckSeq(firstSegSeq - 1);
                    ep.InitStartSeq(firstSegSeq - 1);
                    lastSeq = firstSegSeq;
                }
                ep.InitLastSeq(lastSeq);
                break;
            case EndpointState.SynSent:
            case EndpointState.SynAckSent:
                if (syn && firstSegSeq != ep.StartSeq)
                {
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
            case EndpointState.Established:
            case EndpointState.Partial:
                if (syn)
                {
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
            case EndpointState.Reset:
                if (syn && ep.PreviousState == EndpointState.Inactive)
                {
                    // Numbers initialised by a RST, now a SYN: the RST may have been forged.
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
        }
    }

    private static int SeqDelta(uint a, uint b) => (int)(a - b);

    /// <summary>get_relative_seq in TCPSessionAdapter.cc.</summary>
    private static ulong RelativeSeq(ref TcpEndpoint ep, uint current, uint last, uint wraps, out bool underflow)
    {
        underflow = false;
        int delta = SeqDelta(current, last);
        if (delta < 0)
        {
            if (wraps != 0 && current > last)
                --wraps;
        }
        else if (delta > 0 && current < last)
        {
            ++wraps;
        }

        if (wraps == 0)
        {
            delta = SeqDelta(current, ep.StartSeq);
            if (delta < 0)
                underflow = true;
            return (ulong)(long)delta;
        }
        return ep.ToRelativeSeqSpace(current, wraps);
    }

    private static void InitPeer(ref TcpEndpoint peer, uint ackSeq)
    {
        // init_peer: number the silent peer as though its SYN had been seen.
        peer.InitStartSeq(ackSeq - 1);
        peer.InitAckSeq(ackSeq - 1);
        peer.InitLastSeq(ackSeq - 1);
    }

    private static void UpdateAckSeq(ref TcpEndpoint ep, uint ackSeq)
    {
        int delta = SeqDelta(ackSeq, ep.AckSeq);
        if (ackSeq == 0 && delta > TooLargeSeqDelta)
            return; // more likely a broken ack than a connection landing on 0
        if (delta > 0)
            ep.UpdateAckSeq(ackSeq);
    }

    /// <summary>update_last_seq: advances the endpoint's highest sequence number; counts retransmissions (T/t).</summary>
    private static void UpdateLastSeq(ref Connection c, bool fromA, ref TcpEndpoint ep, uint lastSeq, TcpFlags flags, int len)
    {
        int deltaLast = SeqDelta(lastSeq, ep.LastSeq);
        bool synOrRst = (flags & (TcpFlags.Syn | TcpFlags.Rst)) != 0;
        if (synOrRst && (deltaLast > TooLargeSeqDelta || deltaLast < -TooLargeSeqDelta))
        {
            // untrusted jump
        }
        else if ((flags & TcpFlags.Fin) != 0 && ep.LastSeq == ep.StartSeq + 1)
        {
            ep.UpdateLastSeq(lastSeq); // only SYN and FIN seen: trust the FIN (> 2 GB connections)
        }
        else if (ep.State == EndpointState.Reset)
        {
            // nothing after a RST is trusted
        }
        else if (deltaLast > 0)
        {
            ep.UpdateLastSeq(lastSeq);
        }
        else if (len > 0)
        {
            ScaledHistoryEntry(ref c, fromA, 'T', ref ep.RetransmitCount, ref ep.RetransmitThreshold);
        }
    }

    private static void InitWindow(ref TcpEndpoint ep, ref TcpEndpoint peer, TcpFlags flags, int scale)
    {
        if (scale < 0)
        {
            ep.WindowScale = 0;
            if ((flags & TcpFlags.Ack) != 0)
                peer.WindowScale = 0; // scaling not negotiated
        }
        else
        {
            ep.WindowScale = Math.Min(scale, 14); // RFC 7323 §2.3 caps the shift at 14
        }
    }

    /// <summary>update_window: a zero window (after scaling) adds W/w unless it comes with or after a RST, or after the peer's FIN.</summary>
    private void UpdateWindow(ref Connection c, bool fromA, ref TcpEndpoint ep, ref TcpEndpoint peer, ushort window, TcpFlags flags)
    {
        ulong scaled = (ulong)window << ep.WindowScale;
        if (scaled == 0 && (flags & TcpFlags.Rst) == 0 && peer.State != EndpointState.Closed && ep.State != EndpointState.Reset)
            ScaledHistoryEntry(ref c, fromA, 'W', ref ep.ZeroWindowCount, ref ep.ZeroWindowThreshold);
    }

    // ---------------------------------------------------------------- history

    private static bool IsOrigHost(ref Connection c, bool hostIsA) => hostIsA == c.OriginatorIsA;

    /// <summary>
    /// Connection::CheckHistory via TCP_Endpoint::CheckHistory: adds the letter the first time its
    /// mask is seen; returns true if it had been seen before. A history of exactly "H" followed by
    /// an A or D flips the roles and becomes "^h" (§4.4 item 2).
    /// </summary>
    private static bool CheckHistory(ref Connection c, bool hostIsA, uint mask, char code)
    {
        if ((code == 'A' || code == 'D') && c.HistoryIs('H'))
        {
            FlipRoles(ref c);
            c.HistoryLength = 0;
            c.AppendHistory('^');
            c.AppendHistory('h');
        }

        if (!IsOrigHost(ref c, hostIsA))
        {
            mask <<= 16;
            code = char.ToLowerInvariant(code);
        }
        if ((c.HistorySeen & mask) == 0)
        {
            c.HistorySeen |= mask;
            c.AppendHistory(code);
            return false;
        }
        return true;
    }

    private static void AddHistory(ref Connection c, bool hostIsA, char code) =>
        c.AppendHistory(IsOrigHost(ref c, hostIsA) ? code : char.ToLowerInvariant(code));

    /// <summary>Session::ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... occurrence.</summary>
    private static void ScaledHistoryEntry(ref Connection c, bool hostIsA, char code, ref uint counter, ref uint threshold)
    {
        if (++counter != threshold)
            return;
        AddHistory(ref c, hostIsA, code);
        threshold = threshold <= uint.MaxValue / 10 ? threshold * 10 : uint.MaxValue;
    }

    /// <summary>update_history in TCPSessionAdapter.cc (zeek-conn-semantics §4.1).</summary>
    private static void UpdateHistory(ref Connection c, bool fromA, TcpFlags flags, ref TcpEndpoint ep, ulong relSeq, int len)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        if (bits > 1)
        {
            if (fin && rst)
                CheckHistory(ref c, fromA, HistFinRstPacket, 'I');
            else
                CheckHistory(ref c, fromA, HistMultiFlagPacket, 'Q');
        }
        else if (bits == 1)
        {
            if (syn)
            {
                char code = (flags & TcpFlags.Ack) != 0 ? 'H' : 'S';
                if (CheckHistory(ref c, fromA, HistSynPacket, code) && relSeq != ep.HistLastSyn)
                    AddHistory(ref c, fromA, code);
                ep.HistLastSyn = relSeq;
            }
            if (fin)
            {
                // A FIN's sequence number counts after the data it carries.
                ulong finSeq = relSeq + (ulong)len;
                if (CheckHistory(ref c, fromA, HistFinPacket, 'F') && finSeq != ep.HistLastFin)
                    AddHistory(ref c, fromA, 'F');
                ep.HistLastFin = finSeq;
            }
            if (rst)
            {
                if (CheckHistory(ref c, fromA, HistRstPacket, 'R') && relSeq != ep.HistLastRst)
                    AddHistory(ref c, fromA, 'R');
                ep.HistLastRst = relSeq;
            }
        }
        else if (len > 0)
        {
            CheckHistory(ref c, fromA, HistDataPacket, 'D');
        }
        else if ((flags & TcpFlags.Ack) != 0)
        {
            CheckHistory(ref c, fromA, HistAckPacket, 'A');
        }
        // A zero-length packet with no flags (a NULL scan) leaves no letter.
    }

    /// <summary>Connection::FlipRoles: the other host becomes the originator; history gets '^'.</summary>
    private static void FlipRoles(ref Connection c)
    {
        c.OriginatorIsA = !c.OriginatorIsA;
        byte seen = c.FirstPacketSeen;
        c.FirstPacketSeen = (byte)(((seen & FirstPacketOriginator) != 0 ? FirstPacketResponder : 0) |
                                   ((seen & FirstPacketResponder) != 0 ? FirstPacketOriginator : 0));
        c.IsPartial = false;
        c.AppendHistory('^');
    }

    // ---------------------------------------------------------------- state machine

    private void SetState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, EndpointState newState)
    {
        if (newState == ep.State)
            return;
        // TCP_Endpoint::SetState: leaving the handshake while both sides were in it switches the
        // connection to tcp_inactivity_timeout.
        if (!newState.IsHandshake() && ep.State.IsHandshake() && peer.State.IsHandshake() &&
            c.InactivityTimeout != _longInactivity)
            c.InactivityTimeout = _inactivity;
        ep.SetState(newState);
    }

    private void UpdateStateMachine(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool fromA,
        uint baseSeq, int len, bool isOrig, TcpFlags flags, out bool doClose, out bool genEvent)
    {
        doClose = false;
        genEvent = false;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;

        switch (ep.State)
        {
            case EndpointState.Inactive:
                UpdateInactiveState(ref c, ref ep, ref peer, fromA, baseSeq, len, isOrig, syn, fin, rst, ack, ref doClose, ref genEvent);
                break;

            case EndpointState.SynSent:
            case EndpointState.SynAckSent:
                if (fin)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Closed);
                    doClose = genEvent = true;
                }
                if (rst)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    c.IsActive = false; // ConnectionReset
                    doClose = true;
                }
                break;

            case EndpointState.Established:
            case EndpointState.Partial:
                if (syn && ep.State == EndpointState.Partial && peer.State == EndpointState.Inactive && !ack)
                    SetState(ref c, ref ep, ref peer, EndpointState.SynSent); // SYN_after_partial
                if (fin && !rst)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Closed);
                    if (peer.State == EndpointState.Reset && peer.PreviousState == EndpointState.Closed)
                        SetState(ref c, ref peer, ref ep, EndpointState.Closed); // the peer's FIN then RST was a normal close
                    doClose = genEvent = true;
                }
                if (rst)
                {
                    bool peerAlreadyReset = peer.State == EndpointState.Reset && peer.PreviousState == EndpointState.Established;
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    doClose = true;
                    if (!peerAlreadyReset)
                        c.IsActive = false; // ConnectionReset
                }
                break;

            case EndpointState.Closed:
                // A RST after both FINs is ignored for state: the connection stays SF (§2.2).
                if (rst && peer.State != EndpointState.Closed)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    if (!ep.DidClose)
                        doClose = true;
                }
                break;

            case EndpointState.Reset:
                break; // terminal
        }
    }

    /// <summary>UpdateInactiveState in TCPSessionAdapter.cc (zeek-conn-semantics §2.2, E = INACTIVE).</summary>
    private void UpdateInactiveState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool fromA,
        uint baseSeq, int len, bool isOrig, bool syn, bool fin, bool rst, bool ack, ref bool doClose, ref bool genEvent)
    {
        if (syn)
        {
            if (isOrig)
            {
                SetState(ref c, ref ep, ref peer, ack ? EndpointState.SynAckSent : EndpointState.SynSent);
                if (_attemptDelay > 0)
                    c.AttemptDeadline = Deadline.After(c.TimerLastTime, _attemptDelay);
            }
            else
            {
                if (!ack && peer.State == EndpointState.SynAckSent && baseSeq == ep.StartSeq)
                {
                    // The SYN-ACK was captured before its SYN: flip and call it established.
                    c.IsPartial = false;
                    FlipRoles(ref c);
                    SetState(ref c, ref peer, ref ep, EndpointState.Established);
                    c.FirstPacketSeen |= FirstPacketOriginator;
                }

                if (peer.State == EndpointState.SynSent)
                    SetState(ref c, ref peer, ref ep, EndpointState.Established);

                SetState(ref c, ref ep, ref peer, EndpointState.Established);

                if (peer.State != EndpointState.Partial)
                {
                    // connection_established: inactivity.zeek's per-port timeout applies from here.
                    ushort respPort = c.OriginatorIsA ? c.PortB : c.PortA;
                    if (_longInactivityPort[respPort])
                        c.InactivityTimeout = _longInactivity;
                }
            }
        }

        if (fin)
        {
            SetState(ref c, ref ep, ref peer, EndpointState.Closed);
            doClose = genEvent = true;
        }

        if (rst)
        {
            SetState(ref c, ref ep, ref peer, EndpointState.Reset);
            bool isReject = isOrig
                ? peer.State == EndpointState.Established // a reverse scan: SYN-ACK seen, not the SYN
                : peer.State is EndpointState.SynSent or EndpointState.SynAckSent;
            doClose = true;
            genEvent = !isReject;
        }

        if (ep.State == EndpointState.Inactive)
        {
            ref TcpEndpoint orig = ref Orig(ref c);
            if (!isOrig && len == 0 && orig.State == EndpointState.SynSent)
            {
                // Some stacks ack the SYN before sending the SYN-ACK: not a partial connection (why `SaR` is RSTOS0).
            }
            else if (ack && peer.State == EndpointState.Established)
            {
                SetState(ref c, ref ep, ref peer, EndpointState.Established); // the SYN was missed
                c.IsPartial = false;
                c.FirstPacketSeen |= IsOrigHost(ref c, fromA) ? FirstPacketOriginator : FirstPacketResponder;
            }
            else
            {
                SetState(ref c, ref ep, ref peer, EndpointState.Partial);
            }
        }
    }

    /// <summary>TCPSessionAdapter::ConnectionClosed (zeek-conn-semantics §2.3).</summary>
    private void ConnectionClosed(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool genEvent)
    {
        if (ep.DidClose)
            return;
        ep.DidClose = true;

        bool complete = ep.State == EndpointState.Reset || peer.DidClose || peer.State == EndpointState.Inactive;
        if (complete)
        {
            if ((ep.PreviousState != EndpointState.Inactive || peer.State != EndpointState.Inactive) && genEvent)
                c.IsActive = false; // ConnectionFinished

            // CancelTimers, then delete at last_time + tcp_close_delay.
            c.AttemptDeadline = 0;
            c.ExpireTick = 0;
            c.ExpireTick2 = 0;
            long deleteAt = Deadline.After(c.TimerLastTime, _closeDelay);
            if (c.CloseDeleteDeadline == 0 || deleteAt < c.CloseDeleteDeadline)
                c.CloseDeleteDeadline = deleteAt;
        }
        else if (ep.PreviousState != EndpointState.Inactive)
        {
            // A half close by a side seen before: look for the other side closing too.
            c.ExpireTick2 = Deadline.After(c.TimerLastTime, _sessionTimer);
        }
    }

    // ---------------------------------------------------------------- content gaps (G/g, missed_bytes)

    /// <summary>Records that <paramref name="ep"/> sent [seq, seq+len) (TCP_Reassembler::DataSent, ranges only).</summary>
    private void DataSent(ref TcpEndpoint ep, ulong seq, int len)
    {
        ulong upper = seq + (ulong)len;
        ulong acked = ep.ToRelativeSeqSpace(ep.AckSeq, ep.AckWraps);
        if (seq < acked)
        {
            if (upper <= acked)
                return; // already delivered and acknowledged
            seq = acked;
        }
        if (upper <= ep.TrimmedUpTo || upper <= ep.ReassembledUpTo)
            return;

        if (seq <= ep.ReassembledUpTo)
        {
            ep.ReassembledUpTo = upper;
            DeliverPending(ref ep);
            return;
        }
        AddPending(ref ep, seq, upper);
    }

    private void AddPending(ref TcpEndpoint ep, ulong start, ulong end)
    {
        Span<SequenceRange> ranges = TakePendingBlock(ref ep);
        // Merge with an overlapping or touching range.
        for (int i = 0; i < ep.PendingCount; i++)
        {
            if (start <= ranges[i].End && end >= ranges[i].Start)
            {
                ranges[i].Start = Math.Min(ranges[i].Start, start);
                ranges[i].End = Math.Max(ranges[i].End, end);
                return;
            }
        }
        if (ep.PendingCount == ranges.Length)
        {
            // Full: widen the last range. Only the ranges' outer edges matter for gap accounting.
            ranges[^1].End = Math.Max(ranges[^1].End, end);
            ranges[^1].Start = Math.Min(ranges[^1].Start, start);
            return;
        }
        int at = ep.PendingCount++;
        while (at > 0 && ranges[at - 1].Start > start)
        {
            ranges[at] = ranges[at - 1];
            at--;
        }
        ranges[at].Start = start;
        ranges[at].End = end;
    }

    private void DeliverPending(ref TcpEndpoint ep)
    {
        Span<SequenceRange> ranges = PendingOf(ref ep);
        int consumed = 0;
        while (consumed < ep.PendingCount && ranges[consumed].Start <= ep.ReassembledUpTo)
        {
            if (ranges[consumed].End > ep.ReassembledUpTo)
                ep.ReassembledUpTo = ranges[consumed].End;
            consumed++;
        }
        RemoveFirstPending(ref ep, consumed);
    }

    private void RemoveFirstPending(ref TcpEndpoint ep, int count)
    {
        if (count == 0)
            return;
        Span<SequenceRange> ranges = PendingOf(ref ep);
        for (int i = count; i < ep.PendingCount; i++)
            ranges[i - count] = ranges[i];
        ep.PendingCount -= count;
        if (ep.PendingCount == 0)
            ReleasePendingBlock(ref ep);
    }

    // ---------------------------------------------------------------- the pool of pending ranges

    private PendingRanges[] _pendingBlocks = new PendingRanges[64];
    private int[] _freePendingBlocks = new int[64];
    private int _freePendingCount;
    private int _pendingHighWater;

    /// <summary>The endpoint's pending ranges (empty if it has no block). Valid until a block is next taken.</summary>
    private Span<SequenceRange> PendingOf(ref TcpEndpoint ep) =>
        ep.PendingBlock == 0 ? Span<SequenceRange>.Empty : _pendingBlocks[ep.PendingBlock - 1];

    private Span<SequenceRange> TakePendingBlock(ref TcpEndpoint ep)
    {
        if (ep.PendingBlock == 0)
        {
            int block;
            if (_freePendingCount > 0)
            {
                block = _freePendingBlocks[--_freePendingCount];
            }
            else
            {
                block = _pendingHighWater++;
                if (block == _pendingBlocks.Length)
                    Array.Resize(ref _pendingBlocks, _pendingBlocks.Length * 2);
            }
            ep.PendingBlock = block + 1;
        }
        return _pendingBlocks[ep.PendingBlock - 1];
    }

    private void ReleasePendingBlock(ref TcpEndpoint ep)
    {
        if (ep.PendingBlock == 0)
            return;
        if (_freePendingCount == _freePendingBlocks.Length)
            Array.Resize(ref _freePendingBlocks, _freePendingBlocks.Length * 2);
        _freePendingBlocks[_freePendingCount++] = ep.PendingBlock - 1;
        ep.PendingBlock = 0;
        ep.PendingCount = 0;
    }

    /// <summary>
    /// The peer acknowledged <paramref name="ep"/>'s data up to <paramref name="seq"/>: whatever was
    /// acknowledged but never seen is a content gap (TCP_Reassembler::AckReceived / Undelivered / Gap).
    /// </summary>
    private void AckReceived(ref Connection c, ref TcpEndpoint ep, bool epIsA, ulong seq)
    {
        if (ep.FinCount > 0 && seq >= ep.FinSeq)
            seq = ep.FinSeq - 1; // the FIN octet is not data
        if (seq <= ep.TrimmedUpTo)
            return;
        ep.TrimmedUpTo = seq;
        if (seq <= ep.ReassembledUpTo)
            return;

        // Undelivered(): partial connections fake their first octet; ignore complaints about it.
        if (seq <= 2 && c.IsPartial)
            return;

        ref TcpEndpoint peer = ref epIsA ? ref c.B : ref c.A;
        Span<SequenceRange> ranges = PendingOf(ref ep);
        int consumed = 0;
        while (consumed < ep.PendingCount && ranges[consumed].Start < seq)
        {
            if (ranges[consumed].Start > ep.ReassembledUpTo)
                Gap(ref c, ref ep, ref peer, epIsA, ranges[consumed].Start - ep.ReassembledUpTo);
            if (ranges[consumed].End > ep.ReassembledUpTo)
                ep.ReassembledUpTo = ranges[consumed].End;
            consumed++;
        }
        RemoveFirstPending(ref ep, consumed);
        if (seq > ep.ReassembledUpTo)
        {
            Gap(ref c, ref ep, ref peer, epIsA, seq - ep.ReassembledUpTo);
            ep.ReassembledUpTo = seq;
        }
    }

    private static bool IsClean(ref TcpEndpoint e) =>
        e.State == EndpointState.Established ||
        (e.State == EndpointState.Closed && e.PreviousState == EndpointState.Established);

    private static void Gap(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool epIsA, ulong length)
    {
        // Gaps count only while both sides are established or closing cleanly from there.
        if (!IsClean(ref ep) || !IsClean(ref peer))
            return;
        ScaledHistoryEntry(ref c, epIsA, 'G', ref ep.GapCount, ref ep.GapThreshold);
        c.MissedBytes += length;
    }

    // ---------------------------------------------------------------- evidence for the diagnosis

    private static void RecordEvidenceBeforeState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer,
        in TcpSegment s, bool fromA, ReadOnlySpan<byte> frame)
    {
        long t = s.TimestampNanos;
        long previous = Math.Max(c.A.LastPacketTime, c.B.LastPacketTime);
        if (previous != 0 && t - previous > c.LongestIdleGap)
        {
            c.LongestIdleGap = t - previous;
            c.LongestIdleGapEnd = t;
        }

        bool rst = (s.Flags & TcpFlags.Rst) != 0;
        if (ep.FirstPacketTime == 0)
            ep.FirstPacketTime = t;
        ep.LastPacketTime = t;
        if (!rst && ep.FirstRstTime == 0)
        {
            // The reference a RST is compared with (a forged or middlebox RST differs from it).
            if (s.Ttl < ep.TtlMinBeforeRst) ep.TtlMinBeforeRst = s.Ttl;
            if (s.Ttl > ep.TtlMaxBeforeRst) ep.TtlMaxBeforeRst = s.Ttl;
            ep.IpIdBeforeRst = s.IpId;
        }
        else if (!rst)
        {
            if (ep.TtlMaxAfterRst == 0)
            {
                ep.IpIdAfterRst = s.IpId;
                ep.FirstPacketAfterRstTime = t;
            }
            if (s.Ttl < ep.TtlMinAfterRst) ep.TtlMinAfterRst = s.Ttl;
            if (s.Ttl > ep.TtlMaxAfterRst) ep.TtlMaxAfterRst = s.Ttl;
        }
        peer.UnansweredKeepAlives = 0; // anything from this host answers the peer's probes
        ep.RecordIpFields(s.Ttl, s.IpId);
        if ((s.Options & TcpOptionsSeen.Timestamps) != 0)
        {
            if (!ep.HasTimestamps)
                ep.TsValFirst = s.TimestampValue;
            ep.HasTimestamps = true;
            ep.TsValLast = s.TimestampValue;
        }
        if ((s.Options & TcpOptionsSeen.Mss) != 0)
            ep.Mss = s.Mss;

        if (peer.FirstRstTime != 0)
            ep.PacketsAfterPeerRst++;
        if (ep.FirstRstTime != 0)
            ep.PacketsAfterOwnRst++;

        bool syn = (s.Flags & TcpFlags.Syn) != 0;
        bool fin = (s.Flags & TcpFlags.Fin) != 0;
        if (fin && ep.FirstFinTime == 0)
            ep.FirstFinTime = t;
        if (syn && ep.SynCount == 0 && ep.SynSeq == 0)
            ep.SynSeq = s.SequenceNumber;

        // A keep-alive probe: seq one below what was already sent, 0 or 1 byte, plain ACK (RFC 9293 §3.8.4).
        if (!syn && !fin && !rst && s.PayloadLength <= 1 && ep.DataPackets + (ulong)ep.SynCount > 0 &&
            s.SequenceNumber == ep.NextRawSeq - 1)
        {
            ep.KeepAlives++;
            ep.UnansweredKeepAlives++;
        }

        if (rst && ep.FirstRstTime == 0)
        {
            ep.FirstRstTime = t;
            ep.RstTtl = s.Ttl;
            ep.RstIpId = s.IpId;
            ep.RstSeq = s.SequenceNumber;
            ep.RstAck = s.AcknowledgmentNumber;
            ep.RstHadAck = (s.Flags & TcpFlags.Ack) != 0;
            ep.RstPayloadLength = s.PayloadLength;
            ep.RstReservedBits = s.ReservedBits;
            ep.RstSeqMatchedExpected = peer.PacketsSent > 0 && s.SequenceNumber == peer.LastRawAck;
            if (c.FirstRstTime == 0)
            {
                c.FirstRstTime = t;
                c.LastPacketBeforeRstTime = previous;
                c.FirstRstFromA = fromA;
            }
        }

        if (s.PayloadLength > 0 && !rst)
        {
            ep.DataPackets++;
            ep.PayloadBytes += (ulong)s.PayloadLength;
            ep.LastDataTime = t;
            // Only the first data segment's bytes say how the conversation began; when they were not
            // captured the length from the IP header is all there is, and the diagnosis says so.
            bool firstData = ep.DataPackets == 1;
            if (firstData)
            {
                ep.FirstDataLength = s.PayloadLength;
                ep.FirstDataUncaptured = s.CapturedPayloadLength == 0;
            }
            if (firstData && s.CapturedPayloadLength > 0)
            {
                int take = Math.Min(4, s.CapturedPayloadLength);
                if (s.PayloadOffset + take <= frame.Length)
                {
                    uint value = 0;
                    for (int i = 0; i < take; i++)
                        value |= (uint)frame[s.PayloadOffset + i] << (24 - 8 * i);
                    ep.FirstPayload = value;
                    ep.FirstPayloadLength = take;
                }
            }
        }

        uint end = s.SequenceNumber + (uint)s.PayloadLength + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        if (!rst && (ep.PacketsSent == 1 || SeqDelta(end, ep.NextRawSeq) > 0))
            ep.NextRawSeq = end;
        ep.LastRawSeq = s.SequenceNumber;
        if ((s.Flags & TcpFlags.Ack) != 0)
            ep.LastRawAck = s.AcknowledgmentNumber;
    }

    // ---------------------------------------------------------------- output

    /// <summary>The reusing SYN comes from the host that sent this connection's SYN, with the same ISN.</summary>
    private static bool SameIsn(ref Connection c, in TcpSegment syn)
    {
        bool fromA = syn.SourceAddress == c.AddressA && syn.SourcePort == c.PortA;
        ref TcpEndpoint sender = ref fromA ? ref c.A : ref c.B;
        return sender.SynCount > 0 && sender.SynSeq == syn.SequenceNumber && (syn.Flags & TcpFlags.Ack) == 0;
    }

    private void Emit(int slot, ref Connection c, RemovalReason reason, long when, bool remember, NextOnTuple? next = null)
    {
        _priorBySlot.Remove(slot, out PriorConnection? prior);
        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        string history = c.HistoryText();
        ulong origSize = orig.Size(resp.State);
        ulong respSize = resp.Size(orig.State);
        var summary = new ConnectionSummary
        {
            Uid = ConnectionUid.Create(in c.Key, c.StartTime, c.Ordinal),
            Ordinal = c.Ordinal,
            StartTime = c.StartTime,
            LastTime = c.LastTime,
            Originator = Summarize(ref orig, orig.Size(resp.State), c.OriginatorIsA ? c.AddressA : c.AddressB, c.OriginatorIsA ? c.PortA : c.PortB),
            Responder = Summarize(ref resp, respSize, c.OriginatorIsA ? c.AddressB : c.AddressA, c.OriginatorIsA ? c.PortB : c.PortA),
            History = history,
            ConnState = ConnStateRules.Decide(orig.State, resp.State, origSize, respSize, history),
            MissedBytes = c.MissedBytes,
            Vlan = c.Vlan,
            InnerVlan = c.InnerVlan,
            IpVersion = c.IpVersion,
            Removal = reason,
            RemovalTime = when,
            RolesFlipped = !c.OriginatorIsA,
            FirstRstTime = c.FirstRstTime,
            LastPacketBeforeRstTime = c.LastPacketBeforeRstTime,
            LongestIdleGap = c.LongestIdleGap,
            LongestIdleGapEnd = c.LongestIdleGapEnd,
            FirstRstFromOriginator = c.FirstRstTime != 0 && c.FirstRstFromA == c.OriginatorIsA,
            PreviousOnTuple = prior,
            NextOnTuple = next,
            Tunnel = c.TunnelKind == TunnelKind.None ? null : new TunnelRecord(c.TunnelKind, c.TunnelDepth,
                c.OriginatorIsA ? c.OuterAddressA : c.OuterAddressB, c.OriginatorIsA ? c.OuterAddressB : c.OuterAddressA),
        };
        if (remember)
            Remember(ref c, summary.ConnState, reason);
        _sink.Add(summary);
    }

    /// <summary>Keeps the first tunnel a connection was seen in; a connection that moves between tunnels keeps its first.</summary>
    private static void RecordTunnel(ref Connection c, in TcpSegment s, bool fromA)
    {
        c.TunnelKind = s.OuterTunnelKind;
        c.TunnelDepth = s.TunnelDepth;
        c.OuterAddressA = fromA ? s.OuterSource : s.OuterDestination;
        c.OuterAddressB = fromA ? s.OuterDestination : s.OuterSource;
    }

    private static EndpointSummary Summarize(ref TcpEndpoint e, ulong size, IpAddress128 address, ushort port)
    {
        byte[] firstPayload = new byte[e.FirstPayloadLength];
        for (int i = 0; i < firstPayload.Length; i++)
            firstPayload[i] = (byte)(e.FirstPayload >> (24 - 8 * i));
        return new EndpointSummary
        {
            Address = address,
            Port = port,
            State = e.State,
            PreviousState = e.PreviousState,
            Size = size,
            Packets = e.Packets,
            IpBytes = e.IpBytes,
            PacketsSent = e.PacketsSent,
            DataPackets = e.DataPackets,
            PayloadBytes = e.PayloadBytes,
            SynCount = e.SynCount,
            FinCount = e.FinCount,
            RstCount = e.RstCount,
            FirstPacketTime = e.FirstPacketTime,
            LastPacketTime = e.LastPacketTime,
            LastDataTime = e.LastDataTime,
            FirstFinTime = e.FirstFinTime,
            FirstRstTime = e.FirstRstTime,
            PacketsAfterPeerRst = e.PacketsAfterPeerRst,
            PacketsAfterOwnRst = e.PacketsAfterOwnRst,
            TtlFirst = e.TtlFirst,
            TtlLast = e.TtlLast,
            TtlMin = e.PacketsSent == 0 ? (byte)0 : e.TtlMin,
            TtlMax = e.TtlMax,
            IpIdFirst = e.IpIdFirst,
            IpIdLast = e.IpIdLast,
            IpIdMin = e.PacketsSent == 0 ? (ushort)0 : e.IpIdMin,
            IpIdMax = e.IpIdMax,
            HasTimestamps = e.HasTimestamps,
            TsValFirst = e.TsValFirst,
            TsValLast = e.TsValLast,
            LastRawSeq = e.LastRawSeq,
            LastRawAck = e.LastRawAck,
            KeepAlives = e.KeepAlives,
            Retransmissions = e.RetransmitCount,
            ZeroWindows = e.ZeroWindowCount,
            RstTtl = e.RstTtl,
            RstIpId = e.RstIpId,
            RstSeq = e.RstSeq,
            RstAck = e.RstAck,
            RstHadAck = e.RstHadAck,
            RstPayloadLength = e.RstPayloadLength,
            RstSeqMatchedExpected = e.RstSeqMatchedExpected,
            FirstPayload = firstPayload,
            Mss = e.Mss,
            NextSeq = e.NextRawSeq,
            TtlMinBeforeRst = e.TtlMaxBeforeRst == 0 ? (byte)0 : e.TtlMinBeforeRst,
            TtlMaxBeforeRst = e.TtlMaxBeforeRst,
            IpIdBeforeRst = e.IpIdBeforeRst,
            UnansweredKeepAlives = e.UnansweredKeepAlives,
            SynSeq = e.SynSeq,
            FirstDataLength = e.FirstDataLength,
            FirstDataUncaptured = e.FirstDataUncaptured,
            RstReservedBits = e.RstReservedBits,
            TtlMinAfterRst = e.TtlMaxAfterRst == 0 ? (byte)0 : e.TtlMinAfterRst,
            TtlMaxAfterRst = e.TtlMaxAfterRst,
            IpIdAfterRst = e.IpIdAfterRst,
            FirstPacketAfterRstTime = e.FirstPacketAfterRstTime,
        };
    }
}

/// <summary>
/// Connection ids in Zeek's style ("C" and base62), derived from the connection's tuple, start time
/// and creation order, so the same input always gives the same uids.
/// </summary>
public static class ConnectionUid
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    internal static string Create(in FlowKey key, long startTime, long ordinal)
    {
        ulong h1 = Mix(key.LowAddress.Low ^ Mix(key.LowAddress.High ^ (ulong)ordinal));
        ulong h2 = Mix(key.HighAddress.Low ^ Mix(key.HighAddress.High ^ (ulong)startTime));
        h1 = Mix(h1 ^ ((ulong)key.LowPort << 16 | key.HighPort) ^ h2);
        h2 = Mix(h2 ^ key.VlanKey ^ h1);
        return Format(h1, h2);
    }

    /// <summary>A tunnel's uid: the same for both directions between two tunnel endpoints of one kind.</summary>
    internal static string ForTunnel(TunnelKind kind, IpAddress128 endpoint1, IpAddress128 endpoint2)
    {
        (IpAddress128 low, IpAddress128 high) = endpoint1.CompareTo(endpoint2) <= 0 ? (endpoint1, endpoint2) : (endpoint2, endpoint1);
        ulong h1 = Mix(low.Low ^ Mix(low.High ^ (ulong)kind));
        ulong h2 = Mix(high.Low ^ Mix(high.High ^ 0x54554E4E454CUL)); // "TUNNEL": apart from connection uids
        h1 = Mix(h1 ^ h2);
        h2 = Mix(h2 ^ h1);
        return Format(h1, h2);
    }

    private static string Format(ulong h1, ulong h2)
    {
        // 96 bits, as Zeek's uids, held as three 32-bit limbs so each base-62 digit is a short
        // long division in 64-bit arithmetic.
        Span<uint> limbs = [(uint)(h1 >> 32), (uint)(h2 >> 32), (uint)h2];
        Span<char> text = stackalloc char[17];
        text[0] = 'C';
        for (int i = 16; i >= 1; i--)
        {
            ulong remainder = 0;
            for (int limb = 0; limb < limbs.Length; limb++)
            {
                ulong current = (remainder << 32) | limbs[limb];
                limbs[limb] = (uint)(current / 62);
                remainder = current % 62;
            }
            text[i] = Alphabet[(int)remainder];
        }
        return new string(text);
    }

    // splitmix64's finaliser: a fast, well-mixed 64-bit hash step.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
