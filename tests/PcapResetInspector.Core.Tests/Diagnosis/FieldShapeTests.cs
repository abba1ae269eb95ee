using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// Shapes seen in captures from the field: a forged RST racing the real SYN-ACK, a port-reuse collision
/// and its retry, and parallel connects that must not pair; each with the near miss that keeps its old diagnosis.
/// </summary>
public class FieldShapeTests
{
    private const string Client = "10.20.0.7";
    private const string Server = "198.51.100.34";

    /// <summary>Sets the reserved TCP bits of the last frame built (a header field the builder leaves at zero).</summary>
    private static void SetReservedBits(TrafficBuilder b, byte bits)
    {
        BuiltFrame frame = b.Frames[^1];
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment));
        frame.Data[segment.TcpHeaderOffset + 12] |= (byte)(bits << 1);
    }

    private static TcpConversation ForgedRefusalThenRealAnswer(TrafficBuilder b, ushort clientPort, byte forgedTtl, bool marks)
    {
        var conv = b.Tcp(Client, clientPort, Server, 6649, new TcpConversationOptions { ServerTtl = 49 });
        conv.Syn().Wait(TimeSpan.FromMilliseconds(230));
        // The injector's RST,ACK: ack = ISN (a stack acks ISN+1), the SYN's IP-ID copied, reserved bits set.
        ushort synIpId = IpIdOf(b.Frames[0]);
        conv.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, seq: 0, ack: marks ? conv.ClientIsn : conv.ClientIsn + 1, ttl: forgedTtl,
            ipId: marks ? synIpId : (ushort)0x4000);
        if (marks)
            SetReservedBits(b, 0x7);
        conv.Wait(TimeSpan.FromSeconds(1)).SynAck().Ack().Data(Side.Client, 150).Data(Side.Server, 900).Ack()
            .Fin(Side.Client).Fin(Side.Server).Ack();
        return conv;
    }

    private static ushort IpIdOf(BuiltFrame frame)
    {
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment));
        return segment.IpId;
    }

    [Fact]
    public void ForgedRefusal_RacingTheRealSynAck_IsInjection_NeverRefused()
    {
        var b = new TrafficBuilder();
        ForgedRefusalThenRealAnswer(b, 2527, forgedTtl: 46, marks: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);

        Assert.Equal((ResetCause.SuspectedInjection, Verdict.Suspicious, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.StartsWith("a RST answered the SYN from 10.20.0.7 231 ms after it, yet 198.51.100.34 went on 1 s later with its SYN-ACK", d.Evidence);
        Assert.Contains("TTL 46 on the RST vs 49 on 3 later packets from 198.51.100.34", d.Evidence);
        Assert.Contains("reserved TCP bits 0x7 set on the RST", d.Evidence);
        Assert.Contains("is copied from 10.20.0.7's first packet", d.Evidence);
        Assert.Contains("ack = the client's ISN", d.Evidence);
        Assert.StartsWith("nothing: client 10.20.0.7 ignored the forged RST (its ack is not acceptable in SYN-SENT", d.LogHint);
    }

    [Fact]
    public void ALaterSynAckAlone_StillMakesTheRefusalAnInjection()
    {
        // Same TTL, no marks: the SYN-ACK after the "refusal" is enough to say the port was not refused.
        var b = new TrafficBuilder();
        ForgedRefusalThenRealAnswer(b, 2528, forgedTtl: 49, marks: false);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SuspectedInjection, Verdict.Suspicious), (d.Cause, d.Verdict));
        Assert.DoesNotContain("TTL", d.Evidence);
    }

    [Fact]
    public void GenuineRefusal_WithRetriedSyns_StaysRefused()
    {
        // Windows retries a refused SYN on the same port; each is refused again: nothing but RSTs from the server.
        var b = new TrafficBuilder();
        var conv = b.Tcp(Client, 2600, Server, 3389);
        conv.Syn().RefuseWithRst().Wait(TimeSpan.FromMilliseconds(500));
        conv.Send(Side.Client, TcpFlags.Syn, default, seq: conv.ClientIsn).RefuseWithRst();
        DiagnosisRun run = DiagnosisHarness.Run(b);
        Assert.All(run.Diagnoses, d => Assert.Equal((ResetCause.Refused, Verdict.Actionable), (d.Cause, d.Verdict)));
        Assert.NotEmpty(run.Diagnoses);
    }

    [Fact]
    public void ForgerMarksAlone_OnAnAbort_MakeItAnInjection_OneMarkDoesNot()
    {
        var b = new TrafficBuilder();
        var conv = b.Tcp(Client, 2700, Server, 80).Handshake().Data(Side.Client, 100).Data(Side.Server, 500).Ack();
        conv.Rst(Side.Server, withAck: true);
        SetReservedBits(b, 0x1);
        Assert.Equal(ResetCause.AbortiveClose, Assert.Single(DiagnosisHarness.Run(b).Diagnoses).Cause);

        var b2 = new TrafficBuilder();
        var conv2 = b2.Tcp(Client, 2701, Server, 80);
        conv2.Syn();
        ushort synIpId = IpIdOf(b2.Frames[0]);
        conv2.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, seq: 0, ack: conv2.ClientIsn, ipId: synIpId);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b2).Diagnoses);
        Assert.Equal((ResetCause.SuspectedInjection, DiagnosisConfidence.Medium), (d.Cause, d.Confidence));
    }

    private static TcpConversation Collision(TrafficBuilder b, ushort clientPort, TimeSpan? retryAfter)
    {
        var conv = b.Tcp(Client, clientPort, Server, 443);
        conv.Syn().Send(Side.Server, TcpFlags.Ack, default, seq: 1_185_719_655, ack: 1_796_438_571)
            .Send(Side.Client, TcpFlags.Rst, default, seq: 1_796_438_571);
        if (retryAfter is { } wait)
        {
            conv.Wait(wait).Send(Side.Client, TcpFlags.Syn, default, seq: conv.ClientIsn);
            conv.SynAck().Ack().Data(Side.Client, 200).Data(Side.Server, 1200).Ack().Fin(Side.Client).Fin(Side.Server).Ack();
        }
        return conv;
    }

    [Theory]
    [InlineData(3.1)]   // within the close delay: the SYN reuses the tuple while the attempt is in the table
    [InlineData(13)]    // after it left: the tracker tells the grouping when the tuple is used again
    public void ChallengeAck_ClientRst_AndItsRetry_IsAPortReuseCollision(double retrySeconds)
    {
        var b = new TrafficBuilder();
        Collision(b, 59621, TimeSpan.FromSeconds(retrySeconds));
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ConnectionSummary attempt = run.Connections.First();
        ConnectionSummary retry = run.Connections.Single(c => c.Uid != attempt.Uid);
        ResetDiagnosis d = run.Diagnoses.Single(x => x.Uid == attempt.Uid);

        Assert.Equal((ResetCause.PortReuseCollision, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(HostRole.Client, d.ResetByRole);
        Assert.Contains("answered by a bare ACK from 198.51.100.34:443 instead of a SYN-ACK", d.Evidence);
        Assert.Contains("later on the same tuple (same ISN: a retransmission of this SYN) started " + retry.Uid, d.Evidence);
        Assert.StartsWith("nothing: the client's connect() goes on", d.LogHint);
        Assert.DoesNotContain(run.Diagnoses, x => x.Uid == retry.Uid);
    }

    [Fact]
    public void Collision_WithoutRetry_IsActionable_AndNeverAParallelLoser()
    {
        // Another server of the same family, connected at the same moment: nothing links the two.
        var b = new TrafficBuilder();
        Collision(b, 50000, retryAfter: null);
        b.Tcp(Client, 50001, "198.51.100.35", 443).Handshake().Data(Side.Client, 300).Data(Side.Server, 300).Fin(Side.Client).Fin(Side.Server).Ack();
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal((ResetCause.PortReuseCollision, Verdict.Actionable, DiagnosisConfidence.Medium), (d.Cause, d.Verdict, d.Confidence));
        Assert.Null(d.RaceGroupId);
        Assert.Contains("no retry on the same tuple within 30 s", d.Evidence);
    }

    [Fact]
    public void GiveUpBeforeTheOtherServersSyn_IsNotAParallelConnect_ButAHappyEyeballsPairIs()
    {
        // Gave up (RST 5 ms after its SYN) before any other attempt existed: not a race against a later connect.
        var b = new TrafficBuilder();
        b.Tcp(Client, 41000, Server, 443).Syn().Wait(TimeSpan.FromMilliseconds(5)).Rst(Side.Client);
        b.Advance(TimeSpan.FromMilliseconds(100));
        b.Tcp(Client, 41001, "198.51.100.35", 443).Handshake().Data(Side.Client, 300).Data(Side.Server, 300).Fin(Side.Client).Fin(Side.Server).Ack();
        ResetDiagnosis alone = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.NotEqual(ResetCause.ParallelConnectLoser, alone.Cause);

        // Both pending at once, the first dropped once the second was under way: RFC 8305's shape.
        var he = new TrafficBuilder();
        TcpConversation first = he.Tcp(Client, 42000, Server, 443).Syn();
        he.Advance(TimeSpan.FromMilliseconds(250));
        he.Tcp(Client, 42001, "198.51.100.35", 443).Handshake().Data(Side.Client, 300).Data(Side.Server, 300).Fin(Side.Client).Fin(Side.Server).Ack();
        first.SynAck().Rst(Side.Client);
        ResetDiagnosis loser = Assert.Single(DiagnosisHarness.Run(he).Diagnoses);
        Assert.Equal(ResetCause.ParallelConnectLoser, loser.Cause);
    }
}
