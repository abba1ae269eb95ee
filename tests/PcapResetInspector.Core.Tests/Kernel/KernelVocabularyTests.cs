using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Kernel;

public sealed class KernelVocabularyTests
{
    [Theory]
    [InlineData(ResetCause.Refused, "NO_SOCKET")]
    [InlineData(ResetCause.HalfOpen, "NO_SOCKET")]
    [InlineData(ResetCause.CloseWithUnreadData, "TCP_ABORT_ON_CLOSE")]
    [InlineData(ResetCause.AbortiveClose, "TCP_STATE")]
    [InlineData(ResetCause.DataAfterClose, "TCP_TIMEWAIT_SOCKET")]
    [InlineData(ResetCause.KeepaliveFailure, "TCP_KEEPALIVE_TIMEOUT")]
    [InlineData(ResetCause.PortReuseCollision, "TCP_INVALID_ACK_SEQUENCE")]
    [InlineData(ResetCause.IdleTimeout, null)]
    [InlineData(ResetCause.SuspectedInjection, null)]
    public void EachCause_ImpliesTheKernelsName(ResetCause cause, string? reason)
    {
        Assert.Equal(reason, KernelVocabulary.Inferred(cause));
        if (reason is not null)
            Assert.True(KernelVocabulary.IsKnown(reason));
    }

    [Fact]
    public void EveryInferredReason_AgreesWithItsOwnCause()
    {
        foreach (ResetCause cause in Enum.GetValues<ResetCause>())
        {
            if (KernelVocabulary.Inferred(cause) is { } reason)
                Assert.True(KernelVocabulary.Agrees(reason, cause), cause + " -> " + reason);
        }
    }

    [Theory]
    [InlineData("TCP_STATE", ResetCause.CloseWithUnreadData, ResetCause.AbortiveClose)]
    [InlineData("TCP_ABORT_ON_CLOSE", ResetCause.AbortiveClose, ResetCause.CloseWithUnreadData)]
    [InlineData("NO_SOCKET", ResetCause.SuspectedInjection, ResetCause.HalfOpen)]
    [InlineData("TCP_KEEPALIVE_TIMEOUT", ResetCause.IdleTimeout, ResetCause.KeepaliveFailure)]
    [InlineData("TCP_OLD_ACK", ResetCause.SuspectedInjection, ResetCause.Unexplained)]
    [InlineData("TCP_OLD_ACK", ResetCause.HalfOpen, ResetCause.HalfOpen)]
    [InlineData("TCP_ABORT_ON_CLOSE", ResetCause.SmbRaceLoser, ResetCause.SmbRaceLoser)]
    public void TheKernelsReason_SettlesTheCause(string reason, ResetCause wire, ResetCause expected)
    {
        Assert.Equal(expected, KernelVocabulary.CauseFor(reason, wire, ResetStage.EstablishedWithData));
    }

    [Fact]
    public void NoSocketBeforeTheSynAck_IsRefused()
    {
        Assert.Equal(ResetCause.Refused, KernelVocabulary.CauseFor("NO_SOCKET", ResetCause.SuspectedInjection, ResetStage.HandshakeBeforeSynAck));
    }
}

public sealed class KernelResetBookTests
{
    private static readonly IpAddress128 Server = IpAddress128.Parse("192.0.2.1");
    private static readonly IpAddress128 Client = IpAddress128.Parse("192.0.2.2");

    private static KernelResetEvent Sent(long ms, string reason, IpAddress128? remote = null, ushort remotePort = 40000) =>
        new(ms * 1_000_000, KernelResetDirection.Sent, Server, 80, remote ?? Client, remotePort, "TCP_CLOSE", reason);

    [Fact]
    public void TheNearestEventOnTheTuple_WithinTheTolerance_IsFound()
    {
        var book = new KernelResetBook(TimeSpan.FromMilliseconds(500));
        book.Add(Sent(1000, "TCP_STATE"));
        book.Add(Sent(1300, "NO_SOCKET"));
        book.Add(Sent(1290, "TCP_ABORT_ON_CLOSE", remotePort: 40001)); // another tuple

        Assert.Equal("NO_SOCKET", book.Find(KernelResetDirection.Sent, Server, 80, Client, 40000, 1250 * 1_000_000L)?.Reason);
        Assert.Equal("TCP_STATE", book.Find(KernelResetDirection.Sent, Server, 80, Client, 40000, 1100 * 1_000_000L)?.Reason);
        Assert.Null(book.Find(KernelResetDirection.Sent, Server, 80, Client, 40000, 2000 * 1_000_000L));
        Assert.Null(book.Find(KernelResetDirection.Received, Server, 80, Client, 40000, 1000 * 1_000_000L));
        Assert.Null(book.Find(KernelResetDirection.Sent, Client, 40000, Server, 80, 1000 * 1_000_000L)); // the resetter is the source
    }

    [Fact]
    public void AListenersEvent_WithoutAPeer_JoinsByItsPort()
    {
        var book = new KernelResetBook();
        book.Add(Sent(1000, "TCP_STATE"));
        book.Add(Sent(1400, "TCP_FLAGS", remote: IpAddress128.Parse("0.0.0.0"), remotePort: 0));

        Assert.Equal("TCP_FLAGS", book.Find(KernelResetDirection.Sent, Server, 80, Client, 40000, 1390 * 1_000_000L)?.Reason);
        Assert.Null(book.Find(KernelResetDirection.Sent, Server, 81, Client, 40000, 1390 * 1_000_000L));
    }
}
