using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Kernel;

/// <summary>The book's join: by the event's exact tuple, or a listener's port, nearest in time, each event once.</summary>
public sealed class KernelResetBookTests
{
    private static readonly IpAddress128 Server = IpAddress128.Parse("192.0.2.1");
    private static readonly IpAddress128 Client = IpAddress128.Parse("192.0.2.2");
    private static readonly IpAddress128 Any = IpAddress128.Parse("0.0.0.0");

    private static KernelResetEvent Sent(long ms, string reason, IpAddress128? remote = null, ushort remotePort = 40000, IpAddress128? local = null) =>
        new(ms * 1_000_000, KernelResetDirection.Sent, local ?? Server, 80, remote ?? Client, remotePort, "TCP_CLOSE", reason);

    /// <summary>What tcp_send_reset prints for a listener (Linux 6.18): its own address and port, "dest=0.0.0.0:0".</summary>
    private static KernelResetEvent Listener(long ms, string reason, IpAddress128? bound = null) =>
        new(ms * 1_000_000, KernelResetDirection.Sent, bound ?? Any, 80, Any, 0, "TCP_LISTEN", reason);

    private static string? Take(KernelResetBook book, ushort clientPort, long ms, IpAddress128? local = null) =>
        book.Take(KernelResetDirection.Sent, local ?? Server, 80, Client, clientPort, ms * 1_000_000)?.Reason;

    [Fact]
    public void TheNearestEventOnTheTuple_WithinTheTolerance_IsTaken()
    {
        var book = new KernelResetBook(TimeSpan.FromMilliseconds(500));
        book.Add(Sent(1000, "TCP_STATE"));
        book.Add(Sent(1300, "NO_SOCKET"));
        book.Add(Sent(1290, "TCP_ABORT_ON_CLOSE", remotePort: 40001)); // another tuple

        Assert.Equal("NO_SOCKET", Take(book, 40000, 1250));
        Assert.Equal("TCP_STATE", Take(book, 40000, 1100));
        Assert.Null(Take(book, 40000, 2000));
        Assert.Null(book.Take(KernelResetDirection.Received, Server, 80, Client, 40000, 1000 * 1_000_000L));
        Assert.Null(book.Take(KernelResetDirection.Sent, Client, 40000, Server, 80, 1290 * 1_000_000L)); // the resetter is the source
        Assert.Equal("TCP_ABORT_ON_CLOSE", Take(book, 40001, 1290));
    }

    [Fact]
    public void AListenersEvent_WithoutAPeer_JoinsByItsPort()
    {
        var book = new KernelResetBook();
        book.Add(Listener(1400, "TCP_FLAGS"));

        Assert.Null(book.Take(KernelResetDirection.Sent, Server, 81, Client, 40000, 1390 * 1_000_000L));
        Assert.Equal("TCP_FLAGS", Take(book, 40000, 1390));
    }

    [Fact]
    public void EachEvent_JoinsOneConnection()
    {
        // Two connections reset by one listener 300 µs apart, judged in the other order: each its own event,
        // and a third connection to the port, whose RST the kernel did not send, none.
        var book = new KernelResetBook();
        book.Add(new KernelResetEvent(1_000_005_000, KernelResetDirection.Sent, Any, 80, Any, 0, "TCP_LISTEN", "TCP_FLAGS"));
        book.Add(new KernelResetEvent(1_000_305_000, KernelResetDirection.Sent, Any, 80, Any, 0, "TCP_LISTEN", "INVALID_SYN"));

        Assert.Equal("INVALID_SYN", book.Take(KernelResetDirection.Sent, Server, 80, Client, 40001, 1_000_300_000)?.Reason);
        Assert.Equal("TCP_FLAGS", book.Take(KernelResetDirection.Sent, Server, 80, Client, 40000, 1_000_000_000)?.Reason);
        Assert.Null(book.Take(KernelResetDirection.Sent, Server, 80, Client, 40002, 1_000_200_000));
    }

    [Fact]
    public void AnExactTuple_NeverJoinsAnotherConnection()
    {
        // Two refused connects to one closed port, the events 1 µs apart: the tuple decides, not the time.
        var book = new KernelResetBook();
        book.Add(new KernelResetEvent(1_000_009_000, KernelResetDirection.Sent, Server, 80, Client, 40000, null, "NO_SOCKET"));
        book.Add(new KernelResetEvent(1_000_010_000, KernelResetDirection.Sent, Server, 80, Client, 40001, null, "TCP_ABORT_ON_DATA"));

        Assert.Equal("NO_SOCKET", book.Take(KernelResetDirection.Sent, Server, 80, Client, 40000, 1_000_010_000)?.Reason);
        Assert.Equal("TCP_ABORT_ON_DATA", book.Take(KernelResetDirection.Sent, Server, 80, Client, 40001, 1_000_000_000)?.Reason);
    }

    [Fact]
    public void AListenerBoundToOneAddress_JoinsOnlyConnectionsToIt()
    {
        var book = new KernelResetBook();
        book.Add(Listener(1000, "TCP_FLAGS", bound: IpAddress128.Parse("192.0.2.9")));

        Assert.Null(Take(book, 40000, 1000));
        Assert.Equal("TCP_FLAGS", Take(book, 40000, 1000, local: IpAddress128.Parse("192.0.2.9")));
    }

    [Fact]
    public void TheNearerEventWins_AnExactTupleATie()
    {
        // A socket vanished and its own RST never reached the wire (its event is on the tuple, 400 ms before);
        // the listener then answered the peer's next segment: that is the RST the wire shows.
        var book = new KernelResetBook();
        book.Add(Sent(1000, "TCP_ABORT_ON_LINGER"));
        book.Add(Listener(1400, "TCP_FLAGS"));
        Assert.Equal("TCP_FLAGS", Take(book, 40000, 1400));

        book.Add(Sent(2000, "TCP_STATE"));
        book.Add(Listener(2000, "TCP_FLAGS"));
        Assert.Equal("TCP_STATE", Take(book, 40000, 2000));
    }

    [Fact]
    public void AReceivedEvent_TakesItsStateLater()
    {
        var book = new KernelResetBook();
        var received = new KernelResetEvent(1_000_000_000, KernelResetDirection.Received, Client, 40000, Server, 80, null, null);
        book.Add(received);
        book.SetReceiverState(received, "TCP_SYN_SENT");

        KernelResetEvent? taken = book.Take(KernelResetDirection.Received, Client, 40000, Server, 80, 1_000_000_000);
        Assert.Equal("TCP_SYN_SENT", taken?.State);
        book.SetReceiverState(received, "TCP_ESTABLISHED"); // taken already: nothing to change
        Assert.Null(book.Take(KernelResetDirection.Received, Client, 40000, Server, 80, 1_000_000_000));
    }

    [Fact]
    public void TheOldestEventsGo_PastTheBound()
    {
        var book = new KernelResetBook(TimeSpan.FromDays(1));
        for (int i = 0; i <= KernelResetBook.MaxEvents; i++)
            book.Add(new KernelResetEvent(i, KernelResetDirection.Sent, Server, 80, Client, (ushort)(1 + i % 60000), null, "NO_SOCKET"));
        // The first event on the tuple was forgotten: the nearest left is the next one there.
        Assert.Equal(60_000, book.Take(KernelResetDirection.Sent, Server, 80, Client, 1, 0)?.TimeNanos);
    }
}
