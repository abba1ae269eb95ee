using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Kernel;

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
