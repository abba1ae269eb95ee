using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Flows;
using PcapResetInspector.Core.Synthesis;
using static PcapResetInspector.Core.Tests.Flows.FlowTestHarness;

namespace PcapResetInspector.Core.Tests.Flows;

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
        var tracker = new FlowTracker(sink);
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
