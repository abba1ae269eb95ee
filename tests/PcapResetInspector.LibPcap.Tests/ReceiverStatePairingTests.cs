using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;
using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>The state a received RST found its socket in: the old state of that socket's close right after.</summary>
public sealed class ReceiverStatePairingTests
{
    private static readonly IpAddress128 Local = IpAddress128.Parse("127.0.0.1");
    private static readonly IpAddress128 Peer = IpAddress128.Parse("127.0.0.2");

    private sealed class Sink : IKernelResetSink
    {
        public List<(KernelResetEvent Event, string State)> States { get; } = [];

        public void Add(KernelResetEvent e)
        {
        }

        public void SetReceiverState(KernelResetEvent received, string state) => States.Add((received, state));
    }

    private static KernelResetEvent Received(long nanos, ushort port) =>
        new(nanos, KernelResetDirection.Received, Local, port, Peer, 80, null, null);

    private static SocketClose Close(long nanos, ushort port, string old) => new(nanos, Local, port, Peer, 80, old);

    [Fact]
    public void TheSameSocketsCloseRightAfter_GivesTheState()
    {
        var sink = new Sink();
        var pairing = new ReceiverStatePairing(sink);
        KernelResetEvent a = Received(1_000_000, 40000), b = Received(1_000_100, 40001);
        pairing.Received(a);
        pairing.Received(b);
        pairing.Closed(Close(1_000_050, 40002, "TCP_ESTABLISHED")); // another socket closing
        pairing.Closed(Close(1_000_120, 40001, "TCP_SYN_SENT"));
        pairing.Closed(Close(1_000_130, 40000, "TCP_CLOSE_WAIT"));

        Assert.Equal([(b, "TCP_SYN_SENT"), (a, "TCP_CLOSE_WAIT")], sink.States);
        Assert.False(pairing.Waiting);
    }

    [Fact]
    public void ACloseBeforeTheRst_OrTooLongAfter_GivesNothing()
    {
        var sink = new Sink();
        var pairing = new ReceiverStatePairing(sink);
        pairing.Received(Received(50_000_000, 40000));
        pairing.Closed(Close(49_999_000, 40000, "TCP_ESTABLISHED")); // the socket's close before the RST: not caused by it
        Assert.True(pairing.Waiting);
        pairing.Closed(Close(50_000_000 + ReceiverStatePairing.WindowNanos + 1, 40000, "TCP_FIN_WAIT2"));
        Assert.Empty(sink.States);
        Assert.False(pairing.Waiting); // given up
    }

    [Fact]
    public void AtMostSoManyWait_TheOldestGivingUp()
    {
        var sink = new Sink();
        var pairing = new ReceiverStatePairing(sink);
        for (int i = 0; i <= ReceiverStatePairing.MaxWaiting; i++)
            pairing.Received(Received(1_000 + i, (ushort)(1000 + i)));
        pairing.Closed(Close(5_000, 1000, "TCP_ESTABLISHED")); // the first one gave up
        pairing.Closed(Close(5_000, 1001, "TCP_ESTABLISHED"));
        Assert.Equal((ushort)1001, Assert.Single(sink.States).Event.LocalPort);
    }
}
