using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// A plain connection (an unanswered SYN of a spoofed flood) goes from the connection table through the race
/// grouping, the scan and flood tests and the statistics to an output of flagged rows without a heap
/// allocation once the pipeline is warm: its summary is never built.
/// </summary>
public class PlainConnectionAllocationTests
{
    private const int Slice = 5_000;

    [Fact]
    public void UnansweredSyns_ThroughTheWholePipeline_AllocateNothingPerConnection()
    {
        var counter = new CountingSink();
        var statistics = new ResetStatistics();
        var output = new SelectedConnectionSink(new ConnectionSelection(), []);
        var grouper = new RaceGrouper(new DiagnosisTee(statistics, output));
        var tracker = new ConnectionTracker(new ConnectionTee(counter, grouper)) { RecentlyRemovedCapacity = 256 };
        BuiltFrame[] flood = SpoofedSyns(12 * Slice);

        int round = 0;
        void Round()
        {
            // A round is 5 s of capture: the attempt timer (5 s) removes as many attempts as arrive.
            for (int i = round * Slice; i < (round + 1) * Slice; i++)
                Feed(tracker, flood[i]);
            grouper.AdvanceTime(flood[(round + 1) * Slice - 1].TimestampNanos);
            round++;
        }
        // Warm-up: the probe memory, the flood's finding and the tables reach their working size.
        for (int i = 0; i < 9; i++)
            Round();
        long allocated = SteadyStateAllocation.SmallestOf(3, Round);

        Assert.True(counter.Count >= (round - 2L) * Slice, $"only {counter.Count} attempts left the table");
        Assert.Contains(grouper.Findings, f => f.Kind == FindingKind.SynFlood);
        Assert.Equal(0, output.RowsSelected);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {Slice} unanswered SYNs");
    }

    [Fact]
    public void UnansweredSyns_HandedToTheDiagnosisThread_AllocateNothingPerConnection()
    {
        // As analyze runs on three threads: the tracker hands each connection to the sinks' thread by value.
        var statistics = new ResetStatistics();
        var output = new SelectedConnectionSink(new ConnectionSelection(), []);
        var grouper = new RaceGrouper(new DiagnosisTee(statistics, output));
        // The meter sees the connections on the sinks' thread: it reads that thread's allocations from the
        // 45,000th connection to the 55,000th, by then warm.
        var meter = new AllocationMeter(from: 9 * Slice, to: 11 * Slice);
        var sinks = new ConnectionTee(meter, grouper);
        var tracker = new ConnectionTracker(sinks) { RecentlyRemovedCapacity = 256 };
        BuiltFrame[] flood = SpoofedSyns(12 * Slice);

        var handOff = new PcapResetInspector.Core.Analysis.ConnectionHandOff(tracker, sinks);
        tracker.Sink = handOff;
        handOff.Start();
        long trackingBefore = 0;
        for (int i = 0; i < flood.Length; i++)
        {
            if (i == 9 * Slice)
                trackingBefore = GC.GetAllocatedBytesForCurrentThread();
            Feed(tracker, flood[i]);
        }
        long tracking = GC.GetAllocatedBytesForCurrentThread() - trackingBefore;
        handOff.Finish();
        handOff.Dispose();

        Assert.True(meter.Measured, $"only {meter.Count} connections reached the sinks");
        Assert.Contains(grouper.Findings, f => f.Kind == FindingKind.SynFlood);
        Assert.True(meter.Allocated == 0, $"{meter.Allocated} bytes allocated on the sinks' thread over {2 * Slice} unanswered SYNs");
        Assert.True(tracking == 0, $"{tracking} bytes allocated on the tracking thread over {3 * Slice} unanswered SYNs");
    }

    private sealed class AllocationMeter(long from, long to) : IConnectionSink
    {
        private long _start;

        public long Count { get; private set; }
        public long Allocated { get; private set; }
        public bool Measured { get; private set; }

        public void Add(in ConnectionRecord connection)
        {
            Count++;
            if (Count == from)
                _start = GC.GetAllocatedBytesForCurrentThread();
            else if (Count == to)
                (Allocated, Measured) = (GC.GetAllocatedBytesForCurrentThread() - _start, true);
        }
    }

    /// <summary>SYNs 1 ms apart to one server port, each from its own source, made by patching one builder frame.</summary>
    private static BuiltFrame[] SpoofedSyns(int count)
    {
        var builder = new TrafficBuilder();
        builder.Tcp("172.16.0.1", 40000, "10.0.0.2", 80).Syn();
        BuiltFrame template = builder.Frames[0];
        const int SourceAddressOffset = 14 + 12;
        var frames = new BuiltFrame[count];
        for (int i = 0; i < count; i++)
        {
            byte[] data = (byte[])template.Data.Clone();
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(SourceAddressOffset), 0xAC10_0000u + (uint)i);
            frames[i] = template with { Data = data, TimestampNanos = template.TimestampNanos + i * 1_000_000L };
        }
        return frames;
    }

    private sealed class CountingSink : IConnectionSink
    {
        public long Count { get; private set; }

        public void Add(in ConnectionRecord connection)
        {
            if (connection.ConnState.Length > 0 && !connection.SawRst)
                Count++;
        }
    }

    private static void Feed(ConnectionTracker tracker, BuiltFrame frame)
    {
        var record = new PacketRecord(frame.Data, frame.TimestampNanos, frame.Data.Length, frame.LinkType, 0);
        if (PacketDecoder.Decode(in record, out TcpSegment segment) == DecodeStatus.Tcp)
            tracker.Process(in segment, record.Data);
    }
}
