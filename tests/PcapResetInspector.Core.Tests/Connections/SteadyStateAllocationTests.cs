using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>design.md: nothing allocates per packet in steady state (decode and track).</summary>
public class SteadyStateAllocationTests
{
    [Fact]
    public void DecodingAndTrackingWarmedUpTraffic_AllocatesNothingPerPacket()
    {
        var builder = new TrafficBuilder();
        var conversations = new List<TcpConversation>();
        for (int i = 0; i < 50; i++)
            conversations.Add(builder.Tcp("10.0.0.1", (ushort)(30000 + i), "10.0.0.2", 445).Handshake());
        for (int round = 0; round < 200; round++)
        {
            foreach (var conv in conversations)
                conv.Data(Side.Client, 100).Ack(Side.Server);
        }
        BuiltFrame[] frames = builder.Frames.ToArray();

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        int half = frames.Length / 2;
        for (int i = 0; i < half; i++)
            Feed(tracker, frames[i]);

        // The second half is fed in three slices, each measured; the smallest slice result counts.
        int slice = (frames.Length - half) / 3;
        int next = half;
        long allocated = SteadyStateAllocation.SmallestOf(3, () =>
        {
            int end = Math.Min(frames.Length, next + slice);
            for (; next < end; next++)
                Feed(tracker, frames[next]);
        });
        for (; next < frames.Length; next++)
            Feed(tracker, frames[next]);

        Assert.True(slice > 3_000);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {slice} packets");
        Assert.Equal(50, tracker.ActiveConnections);
    }

    [Fact]
    public void SynFloodAtTheCap_AllocatesNothingPerEvictedOrTimedOutAttempt()
    {
        const int Cap = 1_000, Slice = 5_000, WarmUp = 20_000;
        BuiltFrame[] flood = SynFlood(0, WarmUp + 3 * Slice);
        var tracker = new ConnectionTracker(new CountingSink(), new ConnectionTrackerOptions { MaxConnections = Cap }) { RecentlyRemovedCapacity = 256 };
        // Warm-up: fills the table, then evicts long enough for the timer queue to be compacted
        // several times and for the memory of removed connections to be full.
        int next = 0;
        for (; next < WarmUp; next++)
            Feed(tracker, flood[next]);
        long atCap = SteadyStateAllocation.SmallestOf(3, () =>
        {
            for (int end = next + Slice; next < end; next++)
                Feed(tracker, flood[next]);
        });
        Assert.Equal(Cap, tracker.ActiveConnections);

        // The same attempts leaving by the attempt timer instead, without a cap. A sink that only counts
        // never asks for a summary, so neither way of leaving the table allocates.
        BuiltFrame[] timedOut = SynFlood(WarmUp + 3 * Slice, 7 * Slice);
        var reference = new ConnectionTracker(new CountingSink(), new ConnectionTrackerOptions { MaxConnections = 0 }) { RecentlyRemovedCapacity = 256 };
        int round = 0;
        void Round()
        {
            for (int i = round * Slice; i < (round + 1) * Slice; i++)
                Feed(reference, timedOut[i]);
            reference.AdvanceTime(timedOut[(round + 1) * Slice - 1].TimestampNanos + 10_000_000_000L * (round + 1));
            round++;
        }
        for (int i = 0; i < 4; i++)
            Round();
        long byTimer = SteadyStateAllocation.SmallestOf(3, Round);
        Assert.Equal(0, reference.ActiveConnections);

        Assert.True(atCap == 0, $"{atCap} bytes for {Slice} attempts evicted at the cap");
        Assert.True(byTimer == 0, $"{byTimer} bytes for {Slice} attempts timed out");

        // Packets of the attempts held (retransmitted SYNs) move them in the eviction order: nothing allocated.
        long retransmissions = SteadyStateAllocation.SmallestOf(3, () =>
        {
            for (int i = next - Cap; i < next; i++)
                Feed(tracker, flood[i]);
        });
        Assert.True(retransmissions == 0, $"{retransmissions} bytes allocated over {Cap} retransmitted SYNs");
        Assert.Equal(Cap, tracker.ActiveConnections);
    }

    /// <summary>Distinct SYNs 50 µs apart, made by patching one builder frame (addresses, not checksums, matter here).</summary>
    private static BuiltFrame[] SynFlood(int first, int count)
    {
        var builder = new TrafficBuilder();
        builder.Tcp("172.16.0.1", 40000, "10.0.0.2", 80).Syn();
        BuiltFrame template = builder.Frames[0];
        const int SourceAddressOffset = 14 + 12, SourcePortOffset = 14 + 20;
        var frames = new BuiltFrame[count];
        for (int i = 0; i < count; i++)
        {
            int n = first + i;
            byte[] data = (byte[])template.Data.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(SourceAddressOffset), 0xAC10_0000u + (uint)(n >> 4));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(SourcePortOffset), (ushort)(40000 + (n & 15)));
            frames[i] = template with { Data = data, TimestampNanos = template.TimestampNanos + n * 50_000L };
        }
        return frames;
    }

    private sealed class CountingSink : IConnectionSink
    {
        public long Count { get; private set; }

        public void Add(in ConnectionRecord connection) => Count++;
    }

    private static void Feed(ConnectionTracker tracker, BuiltFrame frame)
    {
        var record = new PacketRecord(frame.Data, frame.TimestampNanos, frame.Data.Length, frame.LinkType, 0);
        if (PacketDecoder.Decode(in record, out TcpSegment segment) == DecodeStatus.Tcp)
            tracker.Process(in segment, record.Data);
    }
}
