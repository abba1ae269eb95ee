using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;
using static PcapResetInspector.Core.Tests.Connections.ConnectionTestHarness;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>
/// Timers near the end of the nanosecond range (year 2262), where a pcapng reader clamps timestamps it
/// cannot hold: a deadline past the range must not wrap around into the past and expire its connection
/// at the next packet.
/// </summary>
public class TimeRangeTests
{
    [Theory]
    [InlineData(long.MaxValue - 3_000_000_000L)]      // every timer runs past the range
    [InlineData(long.MaxValue - 400_000_000_000L)]    // the attempt and close timers fit, the inactivity timer does not
    public void AConnectionNearTheEndOfTheRange_IsOneConnection(long start)
    {
        static ConnectionSummary Script(TrafficBuilder b)
        {
            b.Tcp("10.0.0.1", 40000, "10.0.0.2", 445).Handshake().Data(Side.Client, 10).Data(Side.Server, 20)
                .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
            return Single(b);
        }
        ConnectionSummary usual = Script(new TrafficBuilder());
        ConnectionSummary late = Script(new TrafficBuilder(start));
        Assert.Equal(("ShADdFf", "SF"), (usual.History, usual.ConnState));
        Assert.Equal((usual.History, usual.ConnState, usual.DurationNanos), (late.History, late.ConnState, late.DurationNanos));
    }

    [Fact]
    public void PacketsClampedToTheLastNanosecond_StayInTheirConnection()
    {
        // A reader that clamps out-of-range times hands out many packets at long.MaxValue.
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.1", 40001, "10.0.0.2", 80).Handshake().Data(Side.Client, 10).Rst(Side.Server);
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        foreach (BuiltFrame frame in b.Frames)
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, long.MaxValue, out TcpSegment segment));
            tracker.Process(in segment, frame.Data);
        }
        Assert.Equal(1, tracker.ActiveConnections);
        tracker.Drain();
        ConnectionSummary c = Assert.Single(sink.Connections);
        Assert.Equal(("ShADr", "RSTR", RemovalReason.EndOfInput), (c.History, c.ConnState, c.Removal));
    }

    [Fact]
    public void AJumpOfCenturies_DoesNotReplayEveryMissedExpireTick()
    {
        // A corrupt interface puts one connection's packets two centuries ahead. Its first packet is an
        // outlier (network time stays put), so its expire timer is armed on the old clock; when a second
        // packet confirms the jump, the timer must not walk the 6 s ticks between the two clocks one by
        // one (about 10^9 of them).
        const long Now = 1_700_000_000_000_000_000, Later = Now + 200L * 365 * 86_400 * 1_000_000_000;
        var b = new TrafficBuilder();
        b.Tcp("10.0.0.1", 40004, "10.0.0.2", 80).Syn().SynAck();
        b.Tcp("10.0.0.3", 40005, "10.0.0.4", 80).Data(Side.Client, 10);
        b.Tcp("10.0.0.5", 40006, "10.0.0.6", 80).Data(Side.Client, 10);
        long[] times = [Now, Now + 1_000_000, Later, Later + 1_000_000];

        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        for (int i = 0; i < b.Frames.Count; i++)
        {
            BuiltFrame frame = b.Frames[i];
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, times[i], out TcpSegment segment));
            tracker.Process(in segment, frame.Data);
        }
        Assert.True(tracker.ExpireTimerRuns < 100, $"{tracker.ExpireTimerRuns} expire timer runs");
        // The handshake's connection idled out long ago; the one whose packet came first from the new clock lives on.
        ConnectionSummary old = Assert.Single(sink.Connections);
        Assert.Equal((ushort)40004, old.Originator.Port);
        tracker.Drain();
        Assert.Equal([40004, 40005, 40006], sink.Connections.Select(c => (int)c.Originator.Port));
        Assert.Equal(RemovalReason.EndOfInput, sink.Connections[1].Removal);
    }

    [Fact]
    public void TimersStillFireJustBeforeTheEndOfTheRange()
    {
        var b = new TrafficBuilder(long.MaxValue - 20_000_000_000L);
        b.Tcp("10.0.0.1", 40002, "10.0.0.2", 80).Syn().Wait(TimeSpan.FromSeconds(6));
        b.Tcp("10.0.0.1", 40003, "10.0.0.2", 80).Syn();
        List<ConnectionSummary> all = Track(b);
        Assert.Equal(RemovalReason.AttemptTimeout, all[0].Removal);
        Assert.Equal(RemovalReason.EndOfInput, all[1].Removal);
    }
}
