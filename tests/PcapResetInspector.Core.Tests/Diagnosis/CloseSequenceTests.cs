using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>RSTs around a FIN: data after close, FIN-then-RST teardown, the trailing RST Zeek keeps as SF.</summary>
public class CloseSequenceTests
{
    private const string Client = "192.0.2.7";
    private const string Server = "198.51.100.3";

    private static TcpConversation Exchange(TrafficBuilder b, ushort clientPort) =>
        b.Tcp(Client, clientPort, Server, 5432).Handshake().Data(Side.Client, 120).Ack(Side.Server).Data(Side.Server, 400).Ack(Side.Client);

    [Fact]
    public void PeerWritesAfterTheServersFin_IsDataAfterClose()
    {
        // A pooled connection: the server closed it, the client did not notice and sent the next query.
        var b = new TrafficBuilder();
        Exchange(b, 42000).Fin(Side.Server).Ack(Side.Client).Wait(TimeSpan.FromSeconds(3))
            .Data(Side.Client, 90).Rst(Side.Server);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);

        Assert.Equal((ResetCause.DataAfterClose, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.AfterFinByResponder, d.Stage);
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(
            "server 198.51.100.3 sent FIN 3 s before its RST; client 192.0.2.7 kept sending (last data 1 ms before the RST); " +
            "the late data was answered with a bare RST at seq = its ack: the socket was gone; a pooled or half-closed connection written to after the close",
            d.Evidence);
        Assert.Equal("client 192.0.2.7: Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054) or Broken pipe (EPIPE) on its next write", d.LogHint);
        Assert.False(d.TrailingRstAfterCleanClose);
    }

    [Fact]
    public void ClientFinThenLateServerData_IsDataAfterClose_ByTheClient()
    {
        var b = new TrafficBuilder();
        Exchange(b, 42001).Fin(Side.Client).Data(Side.Server, 50).Rst(Side.Client);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal(ResetCause.DataAfterClose, d.Cause);
        Assert.Equal(ResetStage.AfterFinByOriginator, d.Stage);
        Assert.Equal((ResetParty.Originator, HostRole.Client), (d.ResetBy, d.ResetByRole));
    }

    [Fact]
    public void RstAfterBothFins_IsATrailingRst_OnAnSfConnection()
    {
        // The server's FIN, the client's ACK and FIN, then the server (already gone) resets instead of the last ACK.
        var b = new TrafficBuilder();
        Exchange(b, 42002).Fin(Side.Server).Ack(Side.Client).Fin(Side.Client).Rst(Side.Server);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);

        Assert.Equal("SF", run.Connections[0].ConnState);
        Assert.True(d.TrailingRstAfterCleanClose);
        Assert.Equal((ResetCause.FinThenRstTeardown, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.AfterFinByResponder, d.Stage);
        Assert.Equal(
            "both sides sent FIN (server 198.51.100.3 first), then bare RST from server 198.51.100.3 1 ms after the last packet: " +
            "teardown of a closed connection, answering a late ACK or FIN (Zeek keeps conn_state SF)",
            d.Evidence);
        Assert.StartsWith("nothing: both applications had closed", d.LogHint);
    }

    [Fact]
    public void RstAnsweringTheAckOfItsFin_IsFinThenRst_WithMediumConfidence()
    {
        var b = new TrafficBuilder();
        Exchange(b, 42003).Fin(Side.Client).Ack(Side.Server).Rst(Side.Client);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.FinThenRstTeardown, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
        Assert.Equal(ResetStage.AfterFinByOriginator, d.Stage);
        Assert.False(d.TrailingRstAfterCleanClose);
        Assert.StartsWith("client 192.0.2.7 sent FIN and server 198.51.100.3 answered without data, then bare RST from client", d.Evidence);
    }

    [Fact]
    public void ServerAbortAfterTheClientsFin_IsAbortiveClose_AfterFinByTheClient()
    {
        // The peer's FIN is no data: an abort answering it is the application's choice, not unread data.
        var b = new TrafficBuilder();
        Exchange(b, 42004).Fin(Side.Client).Wait(TimeSpan.FromSeconds(4)).Rst(Side.Server, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.High), (d.Cause, d.Confidence));
        Assert.Equal(ResetStage.AfterFinByOriginator, d.Stage);
    }

    [Fact]
    public void LoneRstAfterTheConnectionClosedAndLeftTheTable_IsLinkedToIt()
    {
        // Zeek deletes a closed connection 5 s after its close; a RST 10 s later is a new one-packet connection.
        var b = new TrafficBuilder();
        TcpConversation conv = Exchange(b, 42005).Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        conv.Wait(TimeSpan.FromSeconds(10)).Rst(Side.Server);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        Assert.Equal(2, run.Connections.Count);
        string closedUid = run.Connections[0].Uid;
        Assert.DoesNotContain(run.Diagnoses, x => x.Uid == closedUid);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(closedUid, d.PriorUid);
        Assert.Equal((ResetCause.FinThenRstTeardown, Verdict.Benign, DiagnosisConfidence.Medium), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.MidStream, d.Stage);
        Assert.Equal("reset 10 s after the last activity of connection " + closedUid + " (ShADadFf, SF), which had closed with FIN: a late packet answered after the close", d.Evidence);
    }
}
