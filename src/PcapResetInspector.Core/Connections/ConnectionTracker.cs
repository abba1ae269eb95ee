using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// The connection table and the TCP state machine: turns decoded segments into connections with Zeek's
/// endpoint states, history and counters (zeek-conn-semantics §2, §4, §5), and hands each
/// connection to the sink when it leaves the table. One hash lookup per packet; connection state
/// lives by value in a slot array, so steady-state processing allocates nothing.
/// <para>
/// Its parts follow Zeek's seams: the table and eviction (ConnectionTracker.Table), network time and
/// timers (.Timers), each segment through the analyzer (.Segments, TCPSessionAdapter), an endpoint's
/// sequence space (.Endpoints, TCP_Endpoint), the state machine (.StateMachine), history letters
/// (.History), content gaps and their range pool (.Gaps), the evidence recorder (.Evidence, beside the
/// analyzer as ConnSize is), the removed-connection memory (.Removed) and the summary handed on (.Output).
/// </para>
/// </summary>
public sealed partial class ConnectionTracker : ILeavingConnections
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

    private readonly ConnectionTrackerOptions _options;
    private IConnectionSink _sink;

    /// <summary>Where leaving connections go: the sink given at construction, or a hand-off to another thread while one runs.</summary>
    internal IConnectionSink Sink
    {
        get => _sink;
        set => _sink = value;
    }

    private readonly TimerQueue _timers = new();
    private readonly KeyIndex<ConnectionKey, ConnectionKeys> _index;

    /// <summary>The connection index reads each key from the connection in the slot it maps to.</summary>
    private readonly struct ConnectionKeys(ConnectionTracker tracker) : IKeyStore<ConnectionKey>
    {
        public ref readonly ConnectionKey KeyAt(int value) => ref tracker.Slot(value).Key;
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

    // The connection-table cap (ConnectionTrackerOptions.MaxConnections): one intrusive doubly-linked list per
    // eviction tier, least recently active at the head. Moving a connection to its tail on each packet
    // and taking a victim from a head are O(1) and allocate nothing. Index 0 (EvictionTier.None) is unused.
    private readonly int _maxConnections;
    private readonly int[] _lruHead = [NoSlot, NoSlot, NoSlot, NoSlot];
    private readonly int[] _lruTail = [NoSlot, NoSlot, NoSlot, NoSlot];
    private const int NoSlot = -1;

    private readonly HistoryTexts _historyTexts = new();

    // Scratch for compacting the timer queue (kept, so compaction allocates nothing once grown).
    private TimerEntry[] _timerScratch = [];
    private const int TimerCompactionSlack = 1024;

    public ConnectionTracker(IConnectionSink sink, ConnectionTrackerOptions? options = null)
    {
        _sink = sink;
        _index = new KeyIndex<ConnectionKey, ConnectionKeys>(new ConnectionKeys(this));
        _options = options ?? new ConnectionTrackerOptions();
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

    /// <summary>Packets dropped for a bad TCP or IPv4 header checksum (only with <see cref="ConnectionTrackerOptions.VerifyChecksums"/>).</summary>
    public long BadChecksumPackets { get; private set; }

    /// <summary>Connections pushed out by <see cref="ConnectionTrackerOptions.MaxConnections"/> (the sum of the three kinds below).</summary>
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
        SegmentsProcessed++; // every segment, dropped or not, as FlaggedPacketExtractor counts them on its second read
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
        ConnectionKey key = ConnectionKey.Create(segment.SourceAddress, segment.SourcePort, segment.DestinationAddress,
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
        c.LastSegment = SegmentsProcessed;
        ProcessPacket(ref c, in segment, frame);
        Schedule(slot, ref c);
        if (_maxConnections > 0)
            Touch(slot, ref c);
        if (_index.Count > PeakConnections)
            PeakConnections = _index.Count;
    }

    /// <summary>Segments given to <see cref="Process"/> so far: the last one's place in the input.</summary>
    public long SegmentsProcessed { get; private set; }

    /// <summary>Packets whose timestamp leapt far ahead of the others and was not followed (a corrupt timestamp).</summary>
    public long TimestampOutliers { get; private set; }

    /// <summary>Packets more than 1 s older than the newest seen (unsynchronised interfaces, merged captures).</summary>
    public long TimestampsBackwards { get; private set; }

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
}
