using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Kernel;

/// <summary>Diagnoses of generated captures joined to kernel events placed beside their RSTs, as capture --kernel-reasons joins them.</summary>
public sealed class KernelReasonSinkTests
{
    private static readonly IpAddress128 Server = IpAddress128.Parse("10.0.0.2");
    private static readonly IpAddress128 Client = IpAddress128.Parse("10.0.0.7");

    private static Dictionary<ushort, ResetDiagnosis> Diagnose(TrafficBuilder traffic)
    {
        var pipeline = new AnalysisPipeline();
        var rows = new Dictionary<ushort, ResetDiagnosis>();
        pipeline.Selected += (_, d) => rows.Add(d!.Client.Port, d);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(traffic.ToPcapBytes()), "kernel-join"))
        {
            while (source.TryReadNext(out PacketRecord packet))
                pipeline.Process(in packet);
        }
        pipeline.Complete();
        return rows;
    }

    /// <summary>Two connects to a closed port, refused about a millisecond apart (the builder's clock steps with each frame).</summary>
    private static Dictionary<ushort, ResetDiagnosis> TwoRefused()
    {
        var traffic = new TrafficBuilder();
        TcpConversation a = traffic.Tcp("10.0.0.7", 40000, "10.0.0.2", 81).Syn();
        TcpConversation b = traffic.Tcp("10.0.0.7", 40001, "10.0.0.2", 81).Syn();
        a.Wait(TimeSpan.FromMilliseconds(1)).RefuseWithRst();
        b.Wait(TimeSpan.FromTicks(100)).RefuseWithRst();
        return Diagnose(traffic);
    }

    [Fact]
    public void TwoRefusedConnectsToOnePort_EachTakeTheEventOfTheirOwnTuple_InEitherOrder()
    {
        Dictionary<ushort, ResetDiagnosis> rows = TwoRefused();
        long a = rows[40000].ResetTime, b = rows[40001].ResetTime;
        Assert.InRange(b - a, 1, 2_000_000);
        long skew = (b - a) * 6 / 10;
        var book = new KernelResetBook();
        // The reasons differ only so that a swap would show; each event is nearer the other connection's RST.
        book.Add(new KernelResetEvent(a + skew, KernelResetDirection.Sent, Server, 81, Client, 40000, null, "NO_SOCKET"));
        book.Add(new KernelResetEvent(b - skew, KernelResetDirection.Sent, Server, 81, Client, 40001, "TCP_CLOSE", "TCP_ABORT_ON_DATA"));

        ResetDiagnosis second = KernelReasonSink.Annotate(rows[40001], book);
        ResetDiagnosis first = KernelReasonSink.Annotate(rows[40000], book);
        Assert.Equal(("NO_SOCKET", "TCP_ABORT_ON_DATA"), (first.Kernel?.Reason, second.Kernel?.Reason));
        Assert.StartsWith("kernel: NO_SOCKET (tcp_send_reset) agrees; ", first.Evidence, StringComparison.Ordinal);
        Assert.Equal(ResetCause.DataAfterClose, second.Cause); // the kernel's reason settles the cause
        Assert.Equal(ResetCause.Refused, second.WireCause);
    }

    [Fact]
    public void TwoResetsOfOneListener_EachTakeOneEvent_AndNoConnectionTakesOneTwice()
    {
        Dictionary<ushort, ResetDiagnosis> rows = TwoRefused();
        long a = rows[40000].ResetTime, b = rows[40001].ResetTime;
        var book = new KernelResetBook();
        IpAddress128 any = IpAddress128.Parse("0.0.0.0");
        book.Add(new KernelResetEvent(a + 2_000, KernelResetDirection.Sent, any, 81, any, 0, "TCP_LISTEN", "TCP_FLAGS"));
        book.Add(new KernelResetEvent(b + 2_000, KernelResetDirection.Sent, any, 81, any, 0, "TCP_LISTEN", "INVALID_SYN"));

        Assert.Equal("INVALID_SYN", KernelReasonSink.Annotate(rows[40001], book).Kernel?.Reason);
        Assert.Equal("TCP_FLAGS", KernelReasonSink.Annotate(rows[40000], book).Kernel?.Reason);
        Assert.Null(KernelReasonSink.Annotate(rows[40000], book).Kernel); // both events are joined already
    }

    [Fact]
    public void ARstALocalSocketTook_AddsItsStateToTheEvidence_AndKeepsTheCause()
    {
        Dictionary<ushort, ResetDiagnosis> rows = TwoRefused();
        ResetDiagnosis d = rows[40000];
        var book = new KernelResetBook();
        var received = new KernelResetEvent(d.ResetTime + 3_000, KernelResetDirection.Received, Client, 40000, Server, 81, null, null);
        book.Add(received);
        book.SetReceiverState(received, "TCP_SYN_SENT");

        ResetDiagnosis joined = KernelReasonSink.Annotate(d, book);
        Assert.Null(joined.Kernel);
        Assert.Equal("TCP_SYN_SENT", joined.KernelReceived?.State);
        Assert.Equal((d.Cause, d.Verdict, (ResetCause?)null), (joined.Cause, joined.Verdict, joined.WireCause));
        Assert.Equal("kernel: the socket that took it was in TCP_SYN_SENT (tcp_receive_reset); " + d.Evidence, joined.Evidence);
    }

    [Fact]
    public void OnOneHost_BothEventsJoin_TheSendersReasonFirst()
    {
        Dictionary<ushort, ResetDiagnosis> rows = TwoRefused();
        ResetDiagnosis d = rows[40001];
        var book = new KernelResetBook();
        book.Add(new KernelResetEvent(d.ResetTime - 1_000, KernelResetDirection.Sent, Server, 81, Client, 40001, null, "NO_SOCKET"));
        // The receiving side of the RST is the client: its socket's own addresses, the event's source.
        book.Add(new KernelResetEvent(d.ResetTime + 1_000, KernelResetDirection.Received, Client, 40001, Server, 81, null, null));
        book.Add(new KernelResetEvent(d.ResetTime, KernelResetDirection.Received, Server, 81, Client, 40001, "TCP_LISTEN", null)); // the wrong way round

        ResetDiagnosis joined = KernelReasonSink.Annotate(d, book);
        Assert.Equal("NO_SOCKET", joined.Kernel?.Reason);
        Assert.NotNull(joined.KernelReceived);
        Assert.Null(joined.KernelReceived!.State);
        Assert.StartsWith("kernel: NO_SOCKET (tcp_send_reset) agrees; a local socket took it (tcp_receive_reset); ", joined.Evidence, StringComparison.Ordinal);
    }
}
