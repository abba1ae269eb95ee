using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>
/// design.md: a cap on the table size evicts the oldest half-open attempts first under a SYN flood,
/// counting what it evicted; evicted connections still reach the sink.
/// </summary>
public class ConnectionTableCapTests
{
    private const string Server = "10.0.0.2";

    // A flood's SYNs come fast: 10,000 of them take half a second, well inside the 5 s attempt timer,
    // so only the cap removes them.
    private static readonly TcpConversationOptions FloodOptions = new() { Gap = TimeSpan.FromMicroseconds(50) };

    private static TcpConversation FloodSyn(TrafficBuilder builder, int i) =>
        builder.Tcp($"172.16.{i / 250}.{i % 250 + 1}", (ushort)(20000 + i % 40000), Server, 80, FloodOptions).Syn();

    private static TcpConversation Established(TrafficBuilder builder, int i) =>
        builder.Tcp("10.0.0.1", (ushort)(30000 + i), Server, 445).Handshake();

    /// <summary>Feeds every frame, checking the table size after each; returns the connections in the order they left.</summary>
    private static List<ConnectionSummary> Feed(IReadOnlyList<BuiltFrame> frames, ConnectionTracker tracker, ConnectionList sink, int cap,
        bool checkTimerQueue = false)
    {
        foreach (BuiltFrame frame in frames)
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment));
            tracker.Process(in segment, frame.Data);
            Assert.True(tracker.ActiveConnections <= cap, $"{tracker.ActiveConnections} connections held, cap {cap}");
            // Evicted attempts leave their timer entries behind; the queue drops them before they outnumber the table.
            if (checkTimerQueue)
                Assert.True(tracker.QueuedTimers <= 2 * tracker.ActiveConnections + 1024, $"{tracker.QueuedTimers} timer entries");
        }
        tracker.Drain();
        return sink.Connections;
    }

    [Fact]
    public void SynFlood_EvictsOnlyTheOldestAttempts_AndEstablishedConnectionsKeepTheirState()
    {
        const int Cap = 1_000, FloodSize = 10_000, EstablishedCount = 20;
        var b = new TrafficBuilder();
        var established = new List<TcpConversation>();
        for (int i = 0; i < EstablishedCount; i++)
            established.Add(Established(b, i));
        for (int i = 0; i < FloodSize; i++)
        {
            FloodSyn(b, i);
            if (i % 1_000 == 999)
            {
                foreach (TcpConversation conv in established)
                    conv.Data(Side.Client, 100).Data(Side.Server, 300);
            }
        }
        foreach (TcpConversation conv in established)
            conv.Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = Cap });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, Cap, checkTimerQueue: true);

        // Every connection reaches the sink exactly once.
        Assert.Equal(FloodSize + EstablishedCount, tracker.ConnectionsSeen);
        Assert.Equal(FloodSize + EstablishedCount, all.Count);
        Assert.Equal(all.Count, all.Select(c => c.Ordinal).Distinct().Count());
        Assert.Equal(Cap, tracker.PeakConnections);

        // The count is exact: every SYN beyond the cap pushed out one attempt, and only attempts.
        const int Expected = FloodSize + EstablishedCount - Cap;
        Assert.Equal(Expected, tracker.EvictedConnections);
        Assert.Equal(Expected, tracker.EvictedHalfOpen);
        Assert.Equal(0, tracker.EvictedFinished + tracker.EvictedActive);
        List<ConnectionSummary> evicted = all.Where(c => c.Removal == RemovalReason.Evicted).ToList();
        Assert.Equal(Expected, evicted.Count);
        Assert.All(evicted, c => Assert.Equal(("S", "S0", (ushort)80), (c.History, c.ConnState, c.Responder.Port)));
        // Oldest first: the first attempts of the flood, in the order they came.
        Assert.Equal(Enumerable.Range(EstablishedCount, Expected).Select(i => (long)i), evicted.Select(c => c.Ordinal));

        // The established connections lived through the flood as though it had not been there.
        var quiet = new TrafficBuilder();
        TcpConversation alone = Established(quiet, 0);
        for (int i = 0; i < FloodSize / 1_000; i++)
            alone.Data(Side.Client, 100).Data(Side.Server, 300);
        alone.Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        ConnectionSummary reference = ConnectionTestHarness.Single(quiet);
        List<ConnectionSummary> survivors = all.Where(c => c.Responder.Port == 445).ToList();
        Assert.Equal(EstablishedCount, survivors.Count);
        Assert.All(survivors, c =>
        {
            Assert.Equal(RemovalReason.EndOfInput, c.Removal);
            Assert.Equal((reference.History, reference.ConnState), (c.History, c.ConnState));
            Assert.Equal("SF", c.ConnState);
            Assert.Equal((reference.Originator.Packets, reference.Responder.Packets), (c.Originator.Packets, c.Responder.Packets));
            Assert.Equal((reference.Originator.Size, reference.Responder.Size), (c.Originator.Size, c.Responder.Size));
        });
    }

    [Fact]
    public void WithoutHalfOpenAttempts_TheLeastRecentlyActiveConnectionIsEvicted()
    {
        var b = new TrafficBuilder();
        TcpConversation first = Established(b, 0);
        Established(b, 1).Data(Side.Client, 10);
        Established(b, 2);
        first.Data(Side.Server, 10);   // the first is now more recently active than the second
        Established(b, 3);

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 3 });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, 3);

        ConnectionSummary victim = Assert.Single(all, c => c.Removal == RemovalReason.Evicted);
        Assert.Equal((ushort)30001, victim.Originator.Port);
        Assert.Equal(("ShAD", "S1"), (victim.History, victim.ConnState));
        Assert.Equal((1L, 0L, 0L, 1L), (tracker.EvictedConnections, tracker.EvictedHalfOpen, tracker.EvictedFinished, tracker.EvictedActive));
    }

    [Fact]
    public void ClosedConnectionsWaitingOutTheCloseDelay_GoBeforeOpenOnes()
    {
        var b = new TrafficBuilder();
        Established(b, 0);
        Established(b, 1);
        b.Tcp("10.0.0.1", 31000, Server, 110).Syn().RefuseWithRst();   // REJ, the most recent
        Established(b, 2);

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 3 });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, 3);

        ConnectionSummary victim = Assert.Single(all, c => c.Removal == RemovalReason.Evicted);
        Assert.Equal(("Sr", "REJ"), (victim.History, victim.ConnState));
        Assert.Equal((1L, 1L), (tracker.EvictedConnections, tracker.EvictedFinished));
    }

    [Fact]
    public void HalfOpenAttempts_LeaveInOrderOfLastActivity_AndOnlyACompletedHandshakeIsNoLongerHalfOpen()
    {
        var b = new TrafficBuilder();
        TcpConversation completed = FloodSyn(b, 0);
        TcpConversation retried = FloodSyn(b, 1);
        FloodSyn(b, 2);
        retried.RetransmitLast(Side.Client);   // more recent than attempt 2 now
        completed.SynAck().Ack(Side.Client);   // the oldest, but its handshake completed
        FloodSyn(b, 3);                         // evicts attempt 2
        FloodSyn(b, 4);                         // evicts attempt 1
        FloodSyn(b, 5);                         // evicts attempt 3

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 3 });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, 3);

        Assert.Equal([2L, 1L, 3L], all.Where(c => c.Removal == RemovalReason.Evicted).Select(c => c.Ordinal));
        Assert.Equal(3, tracker.EvictedHalfOpen);
        ConnectionSummary kept = Assert.Single(all, c => c.Ordinal == 0);
        Assert.Equal(("ShA", RemovalReason.EndOfInput), (kept.History, kept.Removal));
    }

    [Fact]
    public void AnAttemptAnsweredOnlyBySynAck_IsStillHalfOpen_AndLeavesBeforeAFreshAttemptStillWaiting()
    {
        // Under a SYN flood the server answers every spoofed SYN; the attempts it holds in its
        // backlog ("Sh") are what fills the table, not the unanswered ones alone.
        var b = new TrafficBuilder();
        Established(b, 0);
        FloodSyn(b, 0).SynAck();               // answered, never acknowledged: the oldest half-open attempt
        TcpConversation fresh = FloodSyn(b, 1);
        FloodSyn(b, 2);                         // evicts attempt 0, not the fresh one
        fresh.SynAck().Ack(Side.Client);        // the fresh attempt's handshake completes in one piece

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 3 });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, 3);

        ConnectionSummary victim = Assert.Single(all, c => c.Removal == RemovalReason.Evicted);
        Assert.Equal(("Sh", 1L), (victim.History, victim.Ordinal));
        Assert.Equal((1L, 0L), (tracker.EvictedHalfOpen, tracker.EvictedActive));
        Assert.Contains(all, c => c.Ordinal == 2 && c.History == "ShA");
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public void ATupleSeenAgainAfterEviction_IsLinkedToTheEvictedConnection()
    {
        var b = new TrafficBuilder();
        TcpConversation late = FloodSyn(b, 0);
        FloodSyn(b, 1);
        late.SynAck();   // the answer comes after the attempt was evicted

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 1 });
        List<ConnectionSummary> all = Feed(b.Frames, tracker, sink, 1);

        Assert.Equal(3, all.Count);
        ConnectionSummary answer = Assert.Single(all, c => c.Ordinal == 2);
        Assert.NotNull(answer.PreviousOnTuple);
        Assert.Equal(RemovalReason.Evicted, answer.PreviousOnTuple.Removal);
        Assert.Equal(all[0].Uid, answer.PreviousOnTuple.Uid);
    }

    [Fact]
    public void ZeroMeansNoLimit_AndANegativeCapIsRefused()
    {
        var b = new TrafficBuilder();
        for (int i = 0; i < 3_000; i++)
            FloodSyn(b, i);
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = 0 });
        Feed(b.Frames, tracker, sink, int.MaxValue);
        Assert.Equal(3_000, tracker.PeakConnections);
        Assert.Equal(0, tracker.EvictedConnections);

        Assert.Equal(100_000, new ConnectionTrackerOptions().MaxConnections);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionTracker(sink, new ConnectionTrackerOptions { MaxConnections = -1 }));
    }

    [Fact]
    public void CaptureStatistics_CountTheEvictions()
    {
        var b = new TrafficBuilder();
        Established(b, 0).Fin(Side.Client).Fin(Side.Server);
        Established(b, 1);
        for (int i = 0; i < 50; i++)
            FloodSyn(b, i);
        byte[] pcap = b.ToPcapBytes();

        var sink = new ConnectionList();
        var analyzer = new CaptureAnalyzer(sink, new ConnectionTrackerOptions { MaxConnections = 10 });
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(pcap), "flood"))
            Assert.True(analyzer.Run(source));
        analyzer.Finish();

        // 52 connections through 10 places: 42 evicted, all of them attempts, since the table always
        // holds some by the time one must go.
        CaptureStatistics stats = analyzer.Statistics;
        Assert.Equal(42, stats.EvictedConnections);
        Assert.Equal(42, stats.EvictedHalfOpen);
        Assert.Equal((0L, 0L), (stats.EvictedFinished, stats.EvictedActive));
        Assert.Equal(52, sink.Connections.Count);
    }
}
