using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>Resets before the handshake completes: refusals and their look-alikes.</summary>
public class HandshakeResetTests
{
    private const string Client = "10.0.0.1";
    private const string Server = "10.0.0.2";

    [Fact]
    public void SynAnsweredByRstAck_IsRefused()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40000, Server, 3306).Syn().RefuseWithRst();
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);

        Assert.Equal((ResetCause.Refused, Verdict.Actionable, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.HandshakeBeforeSynAck, d.Stage);
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal("SYN from client 10.0.0.1 answered by RST,ACK (seq 0, ack = ISN+1) from 10.0.0.2:3306 after 1 ms; no SYN-ACK; RST TTL 64", d.Evidence);
        Assert.Equal("client 10.0.0.1: Connection refused (ECONNREFUSED; Windows WSAECONNREFUSED 10061) from connect()", d.LogHint);
    }

    [Fact]
    public void RetransmittedSynsThenRefusal_CountsTheSyns()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40001, Server, 3306).Syn().Wait(TimeSpan.FromSeconds(1)).RetransmitLast(Side.Client).RefuseWithRst();
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal(ResetCause.Refused, d.Cause);
        Assert.Contains("SYN from client 10.0.0.1 (2 SYNs) answered by RST,ACK", d.Evidence);
        Assert.Contains("after 1 s", d.Evidence);
    }

    [Fact]
    public void SynAnsweredByOddRst_IsRefusedWithMediumConfidence()
    {
        // A device that refuses with a bare RST at some other sequence number: still no SYN-ACK, but not a stack's reply.
        var b = new TrafficBuilder();
        b.Tcp(Client, 40002, Server, 3306).Syn().Send(Side.Server, TcpFlags.Rst, default, seq: 777, ack: 0);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.Refused, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
        Assert.Contains("answered by bare RST (seq 777, ack 0)", d.Evidence);
    }

    [Fact]
    public void ClientResetBeforeSynAck_IsNotRefused_ButAClientGivingUp()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40003, Server, 8443).Syn().Wait(TimeSpan.FromMilliseconds(20)).Rst(Side.Client);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);

        Assert.Equal("SR", run.Connections[0].History);
        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign, DiagnosisConfidence.Low), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.HandshakeBeforeSynAck, d.Stage);
        Assert.Equal((ResetParty.Originator, HostRole.Client), (d.ResetBy, d.ResetByRole));
        Assert.StartsWith("client 10.0.0.1 reset before any SYN-ACK 21 ms after its SYN, without completing the handshake", d.Evidence);
        Assert.StartsWith("nothing on the server 10.0.0.2", d.LogHint);
    }

    [Fact]
    public void LoneSynAckAnsweredByClientRst_IsAGiveUp_NotAScan()
    {
        // One open port probed half-open by one source: the shape of a SYN scan, but with no fan-out.
        var b = new TrafficBuilder();
        b.Tcp(Client, 40004, Server, 8080).Syn().SynAck().Rst(Side.Client);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);

        Assert.Equal("ShR", run.Connections[0].History);
        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign, DiagnosisConfidence.Low), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.HandshakeAfterSynAck, d.Stage);
        Assert.Contains("answered the SYN-ACK with bare RST at seq = ISN+1 2 ms after its SYN", d.Evidence);
        Assert.Contains("one destination, so not a scan", d.Evidence);
    }

    [Fact]
    public void ServerResetAfterItsSynAck_IsUnexplainedWithTheLikelyReasons()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40005, Server, 8080).Syn().SynAck().Rst(Side.Server, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.Unexplained, Verdict.Actionable, DiagnosisConfidence.Medium), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.HandshakeAfterSynAck, d.Stage);
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal("server 10.0.0.2 sent SYN-ACK, then RST,ACK before the client's ACK: a listener that went away, or a full accept queue with tcp_abort_on_overflow", d.Evidence);
    }

    [Fact]
    public void HandshakeThenClientRst_OnAnOrdinaryPort_IsAHealthCheckShapedAbort()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40006, Server, 8080).Handshake().Rst(Side.Client, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.EstablishedNoData, d.Stage);
        Assert.EndsWith("handshake completed, no data: a connect-only probe or a health check", d.Evidence);
        Assert.Equal("server 10.0.0.2: Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054) on its next read or write", d.LogHint);
    }

    [Fact]
    public void UnansweredSyn_WithoutRst_IsNotDiagnosed()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 40007, Server, 8080).Syn().Wait(TimeSpan.FromSeconds(1)).RetransmitLast(Side.Client);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        Assert.Equal("S0", Assert.Single(run.Connections).ConnState);
        Assert.Empty(run.Diagnoses);
    }
}
