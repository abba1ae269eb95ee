using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// Established connections reset by one side: an application abort, a close with unread data, and
/// a forged RST that looks like either of them.
/// </summary>
public class AbortAndInjectionTests
{
    private const string Client = "10.1.0.9";
    private const string Server = "10.1.0.5";

    /// <summary>Request, response, then the server's RST,ACK: the application aborted after answering.</summary>
    private static TcpConversation RequestResponse(TrafficBuilder b, ushort clientPort) =>
        b.Tcp(Client, clientPort, Server, 8000).Handshake()
            .Data(Side.Client, 100).Ack(Side.Server)
            .Data(Side.Server, 1200).Data(Side.Server, 800).Ack(Side.Client);

    [Fact]
    public void ServerAbortAfterItsResponse_IsAbortiveClose()
    {
        var b = new TrafficBuilder();
        RequestResponse(b, 41000).Rst(Side.Server, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);

        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.EstablishedWithData, d.Stage);
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(
            "server 10.1.0.5 sent RST,ACK at its SND.NXT 1 ms after the last packet, with no FIN before it; TTL 64 as on its 4 earlier packets; " +
            "nothing from it afterwards; 2 data segments from the resetter and 1 data segment from client 10.1.0.9 before it: the application aborted instead of closing",
            d.Evidence);
    }

    [Fact]
    public void ForgedRst_WithForeignTtl_AndTheServerCarryingOn_IsSuspectedInjection()
    {
        // Same moment, same seq as the abort above; but the TTL is not the server's and the real server keeps sending.
        var b = new TrafficBuilder();
        TcpConversation conv = RequestResponse(b, 41001);
        conv.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 47, ipId: 0x0BAD);
        conv.Data(Side.Server, 500).Ack(Side.Client);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);

        Assert.Equal((ResetCause.SuspectedInjection, Verdict.Suspicious, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(ResetStage.EstablishedWithData, d.Stage);
        Assert.StartsWith("TTL 47 on the RST vs 64 on 4 earlier packets from 10.1.0.5; 10.1.0.5 sent 1 more packet after its RST, data among them: it still had the connection", d.Evidence);
        Assert.Contains("IP-ID 0x0BAD on the RST vs 0x8003 just before it (no continuation)", d.Evidence);
        Assert.Equal("client 10.1.0.9: Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054) on its next read or write", d.LogHint);
    }

    [Fact]
    public void ForeignTtlAlone_IsInjectionWithMediumConfidence()
    {
        var b = new TrafficBuilder();
        RequestResponse(b, 41002).Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 58, ipId: 0x8004);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SuspectedInjection, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
        Assert.Equal("TTL 58 on the RST vs 64 on 4 earlier packets from 10.1.0.5; its seq is exactly what the peer acknowledged, as RFC 5961 forces a forger to guess", d.Evidence);
    }

    [Fact]
    public void TtlWithinTolerance_IsNotInjection()
    {
        // One or two hops of difference: a route change, not a forger (TtlTolerance 2).
        var b = new TrafficBuilder();
        RequestResponse(b, 41003).Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 62);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal(ResetCause.AbortiveClose, d.Cause);

        var strict = new DiagnosisOptions { TtlTolerance = 0 };
        Assert.Equal(ResetCause.SuspectedInjection, Assert.Single(DiagnosisHarness.Run(b, strict).Diagnoses).Cause);
    }

    [Fact]
    public void SenderCarryingOnAlone_IsInjectionWithMediumConfidence()
    {
        var b = new TrafficBuilder();
        RequestResponse(b, 41004).Rst(Side.Server, withAck: true).Data(Side.Server, 300).Data(Side.Server, 300);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SuspectedInjection, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
        Assert.StartsWith("10.1.0.5 sent 2 more packets after its RST, data among them", d.Evidence);
    }

    [Fact]
    public void SteppedRsts_WithForeignTtl_AreInjectionWithHighConfidence()
    {
        // A censor's burst: three RSTs a segment apart, none with the server's TTL.
        var b = new TrafficBuilder();
        TcpConversation conv = RequestResponse(b, 41005);
        uint seq = conv.ServerNextSeq;
        for (uint i = 0; i < 3; i++)
            conv.Send(Side.Server, TcpFlags.Rst, default, seq: seq + i * 1448, ttl: 229);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.EndsWith("rrr", run.Connections[0].History);
        Assert.Equal((ResetCause.SuspectedInjection, DiagnosisConfidence.High), (d.Cause, d.Confidence));
        Assert.Contains("3 RSTs from 10.1.0.5 with different sequence numbers (3 RSTs in all)", d.Evidence);
        Assert.Contains("its seq is exactly what the peer acknowledged", d.Evidence);
    }

    [Fact]
    public void RstsToBothSidesAtOnce_WithoutIdleGap_IsInjection()
    {
        // An IPS tearing the connection down mid-transfer: RSTs both ways in the same millisecond, TTL of the IPS.
        var b = new TrafficBuilder();
        TcpConversation conv = RequestResponse(b, 41006);
        conv.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 255);
        conv.Send(Side.Client, TcpFlags.Rst | TcpFlags.Ack, default, ttl: 255);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SuspectedInjection, DiagnosisConfidence.High), (d.Cause, d.Confidence));
        Assert.Contains("RSTs to both sides 1 ms apart, as an IPS tears a connection down", d.Evidence);
        Assert.Equal("both ends: Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054) on the next read or write", d.LogHint);
    }

    [Fact]
    public void RstRightAfterThePeersUnansweredData_IsCloseWithUnreadData()
    {
        // The client sends a second request; the server closes without reading it: RST,ACK instead of FIN.
        var b = new TrafficBuilder();
        RequestResponse(b, 41007).Data(Side.Client, 60).Wait(TimeSpan.FromMilliseconds(4)).Rst(Side.Server, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);

        Assert.Equal((ResetCause.CloseWithUnreadData, Verdict.Actionable, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.EstablishedWithData, d.Stage);
        Assert.Equal(
            "client 10.1.0.9's last data came 5 ms before server 10.1.0.5's RST,ACK; 10.1.0.5 never answered it with data and sent no FIN; " +
            "the RST acknowledges it (ack = the peer's SND.NXT): received by the stack, unread by the application (Linux counts TCPAbortOnClose)",
            d.Evidence);
    }

    [Fact]
    public void RstLongAfterThePeersData_IsAbortiveClose_NotUnreadData()
    {
        // The same shape, but the server waited 30 s before aborting: outside UnreadDataWindow.
        var b = new TrafficBuilder();
        RequestResponse(b, 41008).Data(Side.Client, 60).Ack(Side.Server).Wait(TimeSpan.FromSeconds(30)).Rst(Side.Server, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.High), (d.Cause, d.Confidence));
        Assert.StartsWith("server 10.1.0.5 sent RST,ACK at its SND.NXT 30 s after the last packet", d.Evidence);
    }

    [Fact]
    public void UnreadDataRst_ThatDoesNotAcknowledgeTheData_HasMediumConfidence()
    {
        var b = new TrafficBuilder();
        TcpConversation conv = RequestResponse(b, 41009);
        uint ackBefore = conv.ClientNextSeq;
        conv.Data(Side.Client, 60).Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, ack: ackBefore);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.CloseWithUnreadData, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
        Assert.DoesNotContain("TCPAbortOnClose", d.Evidence);
    }

    [Fact]
    public void CaptureStartingMidStream_AbortIsLowConfidence()
    {
        var b = new TrafficBuilder();
        TcpConversation conv = b.Tcp(Client, 41010, Server, 8000);
        conv.Send(Side.Client, TcpFlags.Ack | TcpFlags.Psh, new byte[40], seq: 5000, ack: 9000);
        conv.Send(Side.Server, TcpFlags.Ack | TcpFlags.Psh, new byte[80], seq: 9000, ack: 5040);
        conv.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, seq: 9080, ack: 5040);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal("Ddr", run.Connections[0].History);
        Assert.Equal(ResetStage.MidStream, d.Stage);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.Low), (d.Cause, d.Confidence));
        Assert.StartsWith("no handshake in the capture (it began mid-connection); ", d.Evidence);
    }

    [Fact]
    public void LoneRst_WithNothingElse_IsUnexplained()
    {
        var b = new TrafficBuilder();
        b.Tcp(Client, 41011, Server, 41012).Rst(Side.Client);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.Unexplained, Verdict.Actionable, DiagnosisConfidence.Low), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(ResetStage.MidStream, d.Stage);
        Assert.Equal("no handshake in the capture (it began mid-connection); client 10.1.0.9 sent a lone bare RST: nothing else of this connection was captured", d.Evidence);
        Assert.Null(d.PriorUid);
    }

    [Fact]
    public void SecondRstAfterAResetConnectionLeftTheTable_NamesThatConnection()
    {
        // The client aborts, and 10 s later (after Zeek's close delay) sends one more RST on the tuple.
        var b = new TrafficBuilder();
        TcpConversation conv = RequestResponse(b, 41013).Rst(Side.Client, withAck: true);
        conv.Wait(TimeSpan.FromSeconds(10)).Rst(Side.Client);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        Assert.Equal(2, run.Diagnoses.Count);
        string first = run.Connections[0].Uid;
        ResetDiagnosis d = run.Diagnoses.Single(x => x.Uid == run.Connections[1].Uid);
        Assert.Equal(first, d.PriorUid);
        Assert.Equal((ResetCause.Unexplained, DiagnosisConfidence.Low, ResetStage.MidStream), (d.Cause, d.Confidence, d.Stage));
        Assert.Equal("reset 10 s after the last activity of connection " + first + " (ShADadR, RSTO, left the connection table: closed); " +
                     "client 10.1.0.9 sent a lone bare RST: nothing else of this connection was captured", d.Evidence);
    }
}
