using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The committed sample captures, diagnosed end to end.</summary>
public class SampleCaptureDiagnosisTests
{
    [Fact]
    public void SmbRace_TwoBenignLosers_EachPairedWithItsWinner()
    {
        DiagnosisRun run = DiagnosisHarness.Run(SampleCaptures.SmbRace139And445());

        Assert.Equal(4, run.Connections.Count);
        Assert.Equal(2, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d => Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign, RaceKind.Smb139And445), (d.Cause, d.Verdict, d.RaceKind)));

        // Client .21: 445 won; the 139 loser completed its handshake and the client reset it (variant B).
        ResetDiagnosis b = run.For(50113, 139);
        Assert.Equal(run.Connection(50112, 445).Uid, b.SiblingUid);
        Assert.Equal(SmbRaceVariant.B, b.RaceVariant);
        Assert.Equal(ResetStage.EstablishedNoData, b.Stage);
        Assert.Equal((ResetParty.Originator, HostRole.Client), (b.ResetBy, b.ResetByRole));
        Assert.Equal(DiagnosisConfidence.High, b.Confidence);
        Assert.Equal(new RaceGaps(0.038, 0.474), b.RaceGaps);
        Assert.Contains("variant B", b.Evidence);
        Assert.Contains("SYN to SYN 0.038 ms (the winner's SYN first); SYN to RST 0.474 ms", b.Evidence);
        Assert.Contains("receive_smb_raw_talloc failed for client ipv4:192.168.56.21:50113 read error = NT_STATUS_CONNECTION_RESET.", b.LogHint);
        Assert.Contains("Server exit (failed to receive request length)", b.LogHint);

        // Client .37: 139 won; the 445 loser's SYN-ACK got a bare RST (variant A): smbd never saw it.
        ResetDiagnosis a = run.For(49731, 445);
        Assert.Equal(run.Connection(49730, 139).Uid, a.SiblingUid);
        Assert.Equal(SmbRaceVariant.A, a.RaceVariant);
        Assert.Equal(ResetStage.HandshakeAfterSynAck, a.Stage);
        Assert.Equal(new RaceGaps(0.027, 0.718), a.RaceGaps);
        Assert.Contains("first client byte 0x81, 2 client data segments", a.Evidence);
        Assert.StartsWith("nothing: the handshake never completed", a.LogHint);

        Assert.NotEqual(a.RaceGroupId, b.RaceGroupId);
        Assert.Equal([1, 2], run.Diagnoses.Select(d => d.RaceGroupId!.Value).Order());
        Assert.False(run.HasDiagnosis(50112, 445));
        Assert.False(run.HasDiagnosis(49730, 139));
        Assert.Equal(0, run.Grouper.HeldConnections);
    }

    [Fact]
    public void Refused_ThreeRefusals_NothingForTheImapSession()
    {
        DiagnosisRun run = DiagnosisHarness.Run(SampleCaptures.Refused());

        Assert.Equal(3, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d =>
        {
            Assert.Equal((ResetCause.Refused, Verdict.Actionable, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
            Assert.Equal(ResetStage.HandshakeBeforeSynAck, d.Stage);
            Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
            Assert.Contains("answered by RST,ACK (seq 0, ack = ISN+1) from 10.1.1.25:110", d.Evidence);
            Assert.Equal("client 10.1.1.50: Connection refused (ECONNREFUSED; Windows WSAECONNREFUSED 10061) from connect()", d.LogHint);
            Assert.Null(d.RaceGroupId);
        });
        string[] uids = run.Connections.Where(c => c.Responder.Port == 110).Select(c => c.Uid).ToArray();
        Assert.Equal(uids, run.Diagnoses.Select(d => d.Uid));
        Assert.Contains("after 0.342 ms", run.Diagnoses[0].Evidence);
        Assert.Null(run.Diagnoses[0].PriorUid);
        // The retries follow the refused attempt on the same tuple, 500 ms later.
        Assert.Equal(uids[0], run.Diagnoses[1].PriorUid);
        Assert.Contains("a retry: " + uids[0] + " on the same tuple was refused 500.1 ms earlier", run.Diagnoses[1].Evidence);
        Assert.Equal(uids[1], run.Diagnoses[2].PriorUid);
    }

    [Fact]
    public void ServerAbort_IsAnAbortiveCloseByTheServer()
    {
        DiagnosisRun run = DiagnosisHarness.Run(SampleCaptures.ServerAbort());

        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(ResetStage.EstablishedWithData, d.Stage);
        Assert.Equal(ResetParty.Originator, d.ClientParty);
        Assert.Equal(
            "server 172.20.0.2 sent RST,ACK at its SND.NXT 2.5 s after the last packet, with no FIN before it; TTL 64 as on its 5 earlier packets; " +
            "nothing from it afterwards; 3 data segments from the resetter and 1 data segment from client 172.20.0.15 before it: the application aborted instead of closing",
            d.Evidence);
        Assert.Equal("client 172.20.0.15: Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054) on its next read or write", d.LogHint);
        Assert.False(d.TrailingRstAfterCleanClose);
    }

    [Fact]
    public void NormalSession_NothingFlagged()
    {
        DiagnosisRun run = DiagnosisHarness.Run(SampleCaptures.NormalSession());
        Assert.Equal(2, run.Connections.Count);
        Assert.Empty(run.Diagnoses);
        Assert.Equal(0, run.Grouper.HeldConnections);
    }
}
