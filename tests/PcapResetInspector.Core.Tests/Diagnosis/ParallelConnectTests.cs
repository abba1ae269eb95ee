using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>Parallel connects to one service (RFC 8305 Happy Eyeballs): the discarded attempt is benign when a sibling carried on.</summary>
public class ParallelConnectTests
{
    /// <summary>A slow first attempt, a second 250 ms later that connects and carries data, then the first's late SYN-ACK answered by the client's RST.</summary>
    private static TrafficBuilder Attempts(string loserClient, string loserServer, string winnerClient, string winnerServer, TimeSpan apart,
        long? startNanos = null)
    {
        var b = startNanos is { } start ? new TrafficBuilder(start) : new TrafficBuilder();
        TcpConversation slow = b.Tcp(loserClient, 44000, loserServer, 443).Syn();
        b.Advance(apart);
        TcpConversation fast = b.Tcp(winnerClient, 44001, winnerServer, 443);
        fast.Syn().SynAck().Ack(Side.Client).Data(Side.Client, 517).Data(Side.Server, 1400).Ack(Side.Client);
        slow.SynAck().Rst(Side.Client);
        return b;
    }

    [Fact]
    public void SecondAddressOfTheSameService_WinsAndTheFirstAttemptIsABenignLoser()
    {
        TrafficBuilder b = Attempts("10.0.0.1", "192.0.2.1", "10.0.0.1", "192.0.2.2", TimeSpan.FromMilliseconds(250));
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        string winnerUid = run.Connection(44001, 443).Uid;

        Assert.Equal(run.Connection(44000, 443).Uid, d.Uid);
        Assert.Equal((ResetCause.ParallelConnectLoser, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(RaceKind.ParallelConnect, d.RaceKind);
        Assert.Equal(winnerUid, d.SiblingUid);
        Assert.Equal(1, d.RaceGroupId);
        Assert.Null(d.RaceVariant);
        Assert.Equal(ResetStage.HandshakeAfterSynAck, d.Stage);
        Assert.Equal((ResetParty.Originator, HostRole.Client), (d.ResetBy, d.ResetByRole));
        Assert.Equal(new RaceGaps(-251, 258), d.RaceGaps);
        Assert.Equal(
            "discarded parallel connect (RFC 8305): client 10.0.0.1 reset port 443 during the handshake without sending data; " + winnerUid +
            " from 10.0.0.1 to 192.0.2.2 carried the data (1 client data segment); SYN to SYN 251 ms (this SYN first); SYN to RST 258 ms",
            d.Evidence);
        Assert.StartsWith("nothing on the server 192.0.2.1", d.LogHint);
    }

    [Theory]
    [InlineData(3_000, 250)]      // the hold limit, the scan check and the memory of winners run past the range
    [InlineData(100_000, 250)]    // only the two-minute hold limit does
    [InlineData(150, 100)]        // so does the window around each SYN
    public void NearTheEndOfTheTimestampRange_TheLoserIsStillPaired(long millisecondsBeforeTheEnd, int apartMilliseconds)
    {
        // Readers clamp times they cannot hold to the last nanosecond (year 2262); deadlines must not wrap into the past.
        TrafficBuilder b = Attempts("10.0.0.1", "192.0.2.1", "10.0.0.1", "192.0.2.2", TimeSpan.FromMilliseconds(apartMilliseconds),
            long.MaxValue - millisecondsBeforeTheEnd * 1_000_000);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal((ResetCause.ParallelConnectLoser, run.Connection(44001, 443).Uid), (d.Cause, d.SiblingUid));
    }

    [Fact]
    public void IPv4WinningOverIPv6_IsALoserWithMediumConfidence()
    {
        // Nothing in the packets ties the two client addresses together; the pairing rests on the timing and on being the only candidate.
        TrafficBuilder b = Attempts("2001:db8::1", "2001:db8::443", "192.0.2.10", "198.51.100.44", TimeSpan.FromMilliseconds(250));
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal((ResetCause.ParallelConnectLoser, Verdict.Benign, DiagnosisConfidence.Medium), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal(run.Connection(44001, 443).Uid, d.SiblingUid);
        Assert.Contains("from 192.0.2.10 to 198.51.100.44 over IPv4 while this attempt used IPv6 carried the data", d.Evidence);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void AWinnerThatLeftTheTableFirst_IsFoundAmongTheRememberedOnes_WhicheverSynCameFirst(bool loserSynFirst, bool nearTheEndOfTheRange)
    {
        // The winner is short and closes at once; the loser's SYN-ACK comes a second later and is reset,
        // so the loser leaves the table after its winner and must find it among the remembered winners.
        // Near the end of the timestamp range, the winner is remembered until a time past it.
        var b = nearTheEndOfTheRange ? new TrafficBuilder(long.MaxValue - 10_000_000_000L) : new TrafficBuilder();
        TcpConversation loser, winner;
        if (loserSynFirst)
        {
            loser = b.Tcp("10.0.0.1", 44000, "192.0.2.1", 443).Syn();
            b.Advance(TimeSpan.FromMilliseconds(120));
            winner = b.Tcp("10.0.0.1", 44001, "192.0.2.2", 443).Syn();
        }
        else
        {
            winner = b.Tcp("10.0.0.1", 44001, "192.0.2.2", 443).Syn();
            b.Advance(TimeSpan.FromMilliseconds(120));
            loser = b.Tcp("10.0.0.1", 44000, "192.0.2.1", 443).Syn();
        }
        winner.SynAck().Ack(Side.Client).Data(Side.Client, 517).Data(Side.Server, 1400)
            .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        b.Advance(TimeSpan.FromSeconds(1));
        loser.SynAck().Rst(Side.Client);
        // One packet of another session, several seconds later, runs both connections' timers in one go;
        // they still leave the table in the order of their close times.
        b.Advance(TimeSpan.FromSeconds(8));
        b.Tcp("10.0.0.9", 50000, "192.0.2.9", 22).Syn();

        DiagnosisRun run = DiagnosisHarness.Run(b);
        ConnectionSummary winnerSummary = run.Connection(44001, 443);
        Assert.True(run.Connections.IndexOf(winnerSummary) < run.Connections.IndexOf(run.Connection(44000, 443)),
            string.Join("; ", run.Connections.Select(c => $"port {c.Originator.Port} {c.Removal} at {c.RemovalTime}")));
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal((ResetCause.ParallelConnectLoser, winnerSummary.Uid), (d.Cause, d.SiblingUid));
    }

    [Fact]
    public void AttemptsFurtherApartThanTheWindow_AreNotARace()
    {
        TrafficBuilder b = Attempts("10.0.0.1", "192.0.2.1", "10.0.0.1", "192.0.2.2", TimeSpan.FromMilliseconds(600));
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.Low), (d.Cause, d.Confidence));
        Assert.Null(d.RaceGroupId);

        ResetDiagnosis wide = Assert.Single(DiagnosisHarness.Run(b, new DiagnosisOptions { ParallelConnectWindow = TimeSpan.FromSeconds(1) }).Diagnoses);
        Assert.Equal(ResetCause.ParallelConnectLoser, wide.Cause);
    }

    [Fact]
    public void AnotherClientOfTheSameFamily_IsNotASibling()
    {
        TrafficBuilder b = Attempts("10.0.0.1", "192.0.2.1", "10.0.0.77", "192.0.2.2", TimeSpan.FromMilliseconds(250));
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal(ResetCause.AbortiveClose, d.Cause);
        Assert.Null(d.SiblingUid);
    }

    [Fact]
    public void TwoCandidatesOfTheOtherFamily_AreAmbiguous_AndNotPaired()
    {
        TrafficBuilder b = Attempts("2001:db8::1", "2001:db8::443", "192.0.2.10", "198.51.100.44", TimeSpan.FromMilliseconds(250));
        b.Tcp("192.0.2.11", 44002, "198.51.100.44", 443).Syn().SynAck().Ack(Side.Client).Data(Side.Client, 517);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(ResetCause.AbortiveClose, d.Cause);
        Assert.Null(d.RaceGroupId);
    }

    [Fact]
    public void LoserThatSentData_IsNotAParallelLoser()
    {
        // The "loser" carried a request: it was used, so its RST is the application's, not a discarded attempt's.
        var b = new TrafficBuilder();
        TcpConversation first = b.Tcp("10.0.0.1", 44010, "192.0.2.1", 443).Handshake().Data(Side.Client, 100);
        b.Advance(TimeSpan.FromMilliseconds(100));
        b.Tcp("10.0.0.1", 44011, "192.0.2.1", 443).Handshake().Data(Side.Client, 517).Data(Side.Server, 1400);
        first.Rst(Side.Client, withAck: true);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(ResetCause.AbortiveClose, d.Cause);
        Assert.Null(d.RaceKind);
    }

    [Fact]
    public void TwoConnectsToTheSameSmbPort_OneDiscarded_IsAParallelConnectRace_NotThe139445Race()
    {
        // Two 445 connects 50 ms apart; the first carries SMB, the client resets the second without a byte.
        var b = new TrafficBuilder();
        var windows = new TcpConversationOptions { Timestamps = false };
        TcpConversation kept = b.Tcp("192.168.56.21", 50000, "192.168.56.10", 445, windows).Handshake();
        b.Advance(TimeSpan.FromMilliseconds(50));
        b.Tcp("192.168.56.21", 50001, "192.168.56.10", 445, windows).Handshake().Rst(Side.Client, withAck: true);
        SmbRaceTests.CarrySmb(kept, 445, b);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(run.Connection(50001, 445).Uid, d.Uid);
        Assert.Equal((ResetCause.ParallelConnectLoser, Verdict.Benign, RaceKind.ParallelConnect), (d.Cause, d.Verdict, d.RaceKind));
        Assert.Equal(run.Connection(50000, 445).Uid, d.SiblingUid);
        Assert.Null(d.RaceVariant);
        Assert.Equal(new RaceGaps(53, 3), d.RaceGaps);

        // Further apart than the parallel-connect window, it is a lone loser shape again.
        DiagnosisRun narrow = DiagnosisHarness.Run(b, new DiagnosisOptions { ParallelConnectWindow = TimeSpan.FromMilliseconds(20) });
        ResetDiagnosis lone = Assert.Single(narrow.Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low), (lone.Cause, lone.Confidence));
        Assert.Null(lone.SiblingUid);
    }
}
