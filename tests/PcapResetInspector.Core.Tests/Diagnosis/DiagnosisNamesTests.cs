using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The output names are a contract with users' scripts: each is spelled out here once more.</summary>
public class DiagnosisNamesTests
{
    [Theory]
    [InlineData(ResetCause.Refused, "refused", Verdict.Actionable)]
    [InlineData(ResetCause.SmbRaceLoser, "smb-race-loser", Verdict.Benign)]
    [InlineData(ResetCause.ParallelConnectLoser, "parallel-connect-loser", Verdict.Benign)]
    [InlineData(ResetCause.AbortiveClose, "abortive-close", Verdict.Benign)]
    [InlineData(ResetCause.CloseWithUnreadData, "close-with-unread-data", Verdict.Actionable)]
    [InlineData(ResetCause.DataAfterClose, "data-after-close", Verdict.Benign)]
    [InlineData(ResetCause.HalfOpen, "half-open", Verdict.Actionable)]
    [InlineData(ResetCause.IdleTimeout, "idle-timeout", Verdict.Actionable)]
    [InlineData(ResetCause.KeepaliveFailure, "keepalive-failure", Verdict.Actionable)]
    [InlineData(ResetCause.SuspectedInjection, "suspected-injection", Verdict.Suspicious)]
    [InlineData(ResetCause.ScanProbe, "scan-probe", Verdict.Suspicious)]
    [InlineData(ResetCause.FinThenRstTeardown, "fin-then-rst", Verdict.Benign)]
    [InlineData(ResetCause.PortReuseCollision, "port-reuse-collision", Verdict.Benign)]
    [InlineData(ResetCause.SynAckReflection, "syn-ack-reflection", Verdict.Suspicious)]
    [InlineData(ResetCause.SynFlood, "syn-flood", Verdict.Suspicious)]
    [InlineData(ResetCause.Unexplained, "unexplained", Verdict.Actionable)]
    public void EveryCause_HasItsNameAndUsualVerdict(ResetCause cause, string name, Verdict verdict)
    {
        Assert.Equal(name, cause.ToKebabCase());
        Assert.Equal(verdict, cause.UsualVerdict());
        Assert.True(DiagnosisNames.TryParseCause(name, out ResetCause parsed));
        Assert.Equal(cause, parsed);
        Assert.True(DiagnosisNames.TryParseCause(name.ToUpperInvariant(), out parsed));
        Assert.Equal(cause, parsed);
    }

    [Fact]
    public void EveryCauseIsListed()
    {
        Assert.Equal(16, Enum.GetValues<ResetCause>().Length);
        Assert.Equal(16, Enum.GetValues<ResetCause>().Select(c => c.ToKebabCase()).Distinct().Count());
    }

    [Fact]
    public void UnknownCauseName_DoesNotParse()
    {
        Assert.False(DiagnosisNames.TryParseCause("reset", out _));
        Assert.False(DiagnosisNames.TryParseCause(null, out _));
        Assert.False(DiagnosisNames.TryParseCause("SmbRaceLoser", out _));
    }

    [Theory]
    [InlineData(ResetStage.HandshakeBeforeSynAck, "handshake-before-synack")]
    [InlineData(ResetStage.HandshakeAfterSynAck, "handshake-after-synack")]
    [InlineData(ResetStage.EstablishedNoData, "established-no-data")]
    [InlineData(ResetStage.EstablishedWithData, "established-with-data")]
    [InlineData(ResetStage.AfterFinByOriginator, "after-fin-by-originator")]
    [InlineData(ResetStage.AfterFinByResponder, "after-fin-by-responder")]
    [InlineData(ResetStage.AfterIdleGap, "after-idle-gap")]
    [InlineData(ResetStage.MidStream, "mid-stream")]
    public void EveryStage_HasItsName(ResetStage stage, string name) => Assert.Equal(name, stage.ToKebabCase());

    [Fact]
    public void OtherEnums_HaveTheirNames()
    {
        Assert.Equal(["benign", "actionable", "suspicious"], Enum.GetValues<Verdict>().Select(v => v.ToKebabCase()));
        Assert.Equal(["high", "medium", "low"], Enum.GetValues<DiagnosisConfidence>().Select(v => v.ToKebabCase()));
        Assert.Equal(["orig", "resp"], Enum.GetValues<ResetParty>().Select(v => v.ToZeekName()));
        Assert.Equal(["client", "server"], Enum.GetValues<HostRole>().Select(v => v.ToKebabCase()));
        Assert.Equal(["smb-139-445", "parallel-connect"], Enum.GetValues<RaceKind>().Select(v => v.ToKebabCase()));
    }
}
