using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Flows;
using PcapResetInspector.Core.Synthesis;

namespace PcapResetInspector.Core.Tests.Flows;

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
        var tracker = new FlowTracker(sink);
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

    private static void Feed(FlowTracker tracker, BuiltFrame frame)
    {
        var record = new PacketRecord(frame.Data, frame.TimestampNanos, frame.Data.Length, frame.LinkType, 0);
        if (PacketDecoder.Decode(in record, out TcpSegment segment) == DecodeStatus.Tcp)
            tracker.Process(in segment, record.Data);
    }
}
