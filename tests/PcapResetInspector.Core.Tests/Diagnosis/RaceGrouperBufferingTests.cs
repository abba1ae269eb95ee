using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// When the race grouping holds connections back and when it lets them go: waiting for a winner
/// that outlives its loser, the hold limit, the count cap, the scan window, and forgetting.
/// </summary>
public class RaceGrouperBufferingTests
{
    private const string Samba = "192.168.56.10";
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static TcpConversationOptions Windows() => new() { Timestamps = false, Gap = TimeSpan.FromMicroseconds(100) };

    private static long Seconds(double s) => (long)(s * 1e9);

    /// <summary>Variant B on 139, and a 445 session that carries SMB with an echo every minute for half an hour, then closes.</summary>
    private static (TrafficBuilder Builder, long LoserSyn, long WinnerFin) LongWinner()
    {
        var b = new TrafficBuilder();
        long start = b.Now;
        TcpConversation winner = b.Tcp("192.168.56.21", 50000, Samba, 445, Windows());
        TcpConversation loser = b.Tcp("192.168.56.21", 50001, Samba, 139, Windows());
        winner.Syn();
        loser.Syn();
        winner.SynAck().Ack(Side.Client);
        loser.SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);
        SmbRaceTests.CarrySmb(winner, 445, b);
        for (int i = 0; i < 30; i++)
            winner.Wait(Minute).Data(Side.Client, new byte[] { 0, 0, 0, 68 }).Data(Side.Server, new byte[] { 0, 0, 0, 68 }).Ack(Side.Client);
        long fin = b.Now;
        winner.Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        return (b, start + 100_000, fin);
    }

    [Fact]
    public void Loser_WaitsForAWinnerThatOutlivesIt_ThenIsReleasedWithIt()
    {
        (TrafficBuilder b, long loserSyn, long winnerFin) = LongWinner();
        var pipeline = new DiagnosisPipeline(b);

        // Ten minutes in: the loser left the connection table long ago, its winner is still open.
        pipeline.FeedUntil(loserSyn + Seconds(600));
        Assert.Single(pipeline.Connections.Connections);
        Assert.Empty(pipeline.Diagnoses);
        Assert.Equal(1, pipeline.Grouper.HeldConnections);

        // The winner closes and leaves the table 5 s later (Zeek's close delay): the loser goes out with it, before the input ends.
        pipeline.FeedAll().AdvanceTo(winnerFin + Seconds(6));
        Assert.Equal(2, pipeline.Connections.Connections.Count);
        ResetDiagnosis d = Assert.Single(pipeline.Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.High, SmbRaceVariant.B), (d.Cause, d.Confidence, d.RaceVariant));
        Assert.Equal(pipeline.Connections.Connections[1].Uid, d.SiblingUid);
        Assert.Equal(0, pipeline.Grouper.HeldConnections);
        // The winner started more than SiblingRetention ago: nothing is kept for later losers.
        Assert.Equal(0, pipeline.Grouper.RememberedConnections);

        pipeline.Finish();
        Assert.Single(pipeline.Diagnoses);
    }

    [Fact]
    public void HoldLimit_ReleasesALoserAlone_WhileItsWinnerIsStillOpen()
    {
        (TrafficBuilder b, long loserSyn, _) = LongWinner();
        var pipeline = new DiagnosisPipeline(b, new DiagnosisOptions { RaceHoldLimit = TimeSpan.FromMinutes(10) });

        pipeline.FeedUntil(loserSyn + Seconds(599));
        Assert.Empty(pipeline.Diagnoses);
        pipeline.FeedUntil(loserSyn + Seconds(661));
        ResetDiagnosis d = Assert.Single(pipeline.Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low), (d.Cause, d.Confidence));
        Assert.Null(d.SiblingUid);
        Assert.Equal(0, pipeline.Grouper.HeldConnections);

        pipeline.Finish();
        Assert.Single(pipeline.Diagnoses);
    }

    [Fact]
    public void Winner_IsRememberedForALoserThatLeavesTheTableLater()
    {
        // The 445 session is short; the 139 loser closes gracefully (variant D) but smbd never answers its FIN,
        // so Zeek keeps it (S2) until its 300 s inactivity timeout: it leaves the table long after its winner.
        var b = new TrafficBuilder();
        TcpConversation winner = b.Tcp("192.168.56.21", 50000, Samba, 445, Windows());
        TcpConversation loser = b.Tcp("192.168.56.21", 50001, Samba, 139, Windows());
        long start = b.Now;
        winner.Syn();
        loser.Syn();
        winner.SynAck().Ack(Side.Client);
        loser.SynAck().Ack(Side.Client).Fin(Side.Client).Ack(Side.Server);
        SmbRaceTests.CarrySmb(winner, 445, b);
        winner.Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        var pipeline = new DiagnosisPipeline(b).FeedAll();

        pipeline.AdvanceTo(start + Seconds(60));
        ConnectionSummary first = Assert.Single(pipeline.Connections.Connections);
        Assert.Equal((ushort)445, first.Responder.Port);
        Assert.Empty(pipeline.Diagnoses);
        Assert.Equal(1, pipeline.Grouper.RememberedConnections);

        pipeline.AdvanceTo(start + Seconds(320));
        ConnectionSummary late = pipeline.Connections.Connections[1];
        Assert.Equal(("ShAFa", "S2", RemovalReason.Inactive), (late.History, late.ConnState, late.Removal));
        ResetDiagnosis d = Assert.Single(pipeline.Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, SmbRaceVariant.D, first.Uid), (d.Cause, d.RaceVariant, d.SiblingUid));
        Assert.Null(d.ResetBy);

        // Six minutes after the winner's SYN it is forgotten, and its book with it.
        Assert.Equal(1, pipeline.Grouper.BookCount);
        pipeline.AdvanceTo(start + Seconds(362));
        Assert.Equal(0, pipeline.Grouper.RememberedConnections);
        Assert.Equal(0, pipeline.Grouper.BookCount);
    }

    [Fact]
    public void CountCap_ReleasesTheOldestFirst()
    {
        // Five lone 139 losers (their winners never seen); at most three may wait.
        var b = new TrafficBuilder();
        for (int i = 1; i <= 5; i++)
        {
            b.Tcp("192.168.56." + (20 + i), 50001, Samba, 139, Windows()).Handshake().Rst(Side.Client, withAck: true);
            b.Advance(TimeSpan.FromSeconds(10));
        }
        var pipeline = new DiagnosisPipeline(b, new DiagnosisOptions { MaxHeldConnections = 3 });
        int mostHeld = 0;
        for (int step = 1; step <= 60; step++)
        {
            long now = b.Frames[0].TimestampNanos + Seconds(step);
            pipeline.FeedUntil(now).AdvanceTo(now);
            mostHeld = Math.Max(mostHeld, pipeline.Grouper.HeldConnections);
        }
        Assert.Equal(3, mostHeld);
        Assert.Equal(5, pipeline.Connections.Connections.Count);
        Assert.Equal(["192.168.56.21", "192.168.56.22"], pipeline.Diagnoses.Select(d => IpAddress128.Format(d.Client.Address)));

        pipeline.Finish();
        Assert.Equal(5, pipeline.Diagnoses.Count);
        Assert.All(pipeline.Diagnoses, d => Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low), (d.Cause, d.Confidence)));
        Assert.Equal(0, pipeline.Grouper.HeldConnections);
    }

    [Fact]
    public void ConnectionsReleasedByTheCountCap_DoNotStayQueuedUntilTheirCheckTime()
    {
        // 3,000 abandoned connects (SYN, SYN-ACK, the client's RST) from different clients in 3 s, as a
        // flood's forged sources send them: each waits for a parallel-connect winner and for its scan
        // check, due a minute later here. With at most 10 waiting, the other 2,990 are judged early, and
        // their queued checks must not keep them (and their summaries) in memory until then.
        const int Cap = 10, Count = 3_000;
        var b = new TrafficBuilder();
        for (int i = 0; i < Count; i++)
        {
            b.Tcp($"198.18.{i / 250}.{i % 250 + 1}", 40000, "203.0.113.10", 443).Syn().SynAck().Rst(Side.Client);
            b.Advance(TimeSpan.FromMilliseconds(1));
        }
        var options = new DiagnosisOptions { MaxHeldConnections = Cap, ProbeSettle = TimeSpan.FromSeconds(60) };
        var pipeline = new DiagnosisPipeline(b, options);
        long first = b.Frames[0].TimestampNanos;
        int mostQueued = 0, mostHeld = 0;
        for (int step = 1; step <= 800; step++)
        {
            pipeline.FeedUntil(first + step * 25_000_000L);
            mostQueued = Math.Max(mostQueued, pipeline.Grouper.QueuedChecks);
            mostHeld = Math.Max(mostHeld, pipeline.Grouper.HeldConnections);
        }
        Assert.Equal(Cap, mostHeld);
        Assert.InRange(mostQueued, Cap, 2 * Cap + 1024 + 1);
        pipeline.Finish();
        Assert.Equal(Count, pipeline.Diagnoses.Count);
    }

    [Fact]
    public void ProbeShapedConnections_WaitOnlyForTheScanWindow()
    {
        // A refused connect every 2 s for 10 minutes: each waits ScanWindow + ProbeSettle past its SYN, no longer.
        var b = new TrafficBuilder();
        for (int i = 0; i < 300; i++)
        {
            b.Tcp("10.0.0.1", (ushort)(40000 + i), "10.0.0.2", 3306).Syn().RefuseWithRst();
            b.Advance(TimeSpan.FromSeconds(2));
        }
        var pipeline = new DiagnosisPipeline(b);
        long first = b.Frames[0].TimestampNanos;
        int mostHeld = 0, mostRemembered = 0;
        for (int second = 1; second <= 600; second++)
        {
            pipeline.FeedUntil(first + Seconds(second));
            mostHeld = Math.Max(mostHeld, pipeline.Grouper.HeldConnections);
            mostRemembered = Math.Max(mostRemembered, pipeline.Grouper.RememberedConnections);
        }
        Assert.InRange(mostHeld, 1, 2);
        Assert.InRange(mostRemembered, 1, 6);
        // Before the input ends: a REJ leaves the connection table 5 s after its RST and is released 7 s after its SYN,
        // so all but the last four (SYNs at 592-598 s) are out at 600 s.
        Assert.Equal(296, pipeline.Diagnoses.Count);
        // Once the clock passes the last probe's window, nothing is held or remembered.
        pipeline.AdvanceTo(first + Seconds(700));
        Assert.Equal(300, pipeline.Diagnoses.Count);
        Assert.Equal((0, 0, 0, 0), (pipeline.Grouper.HeldConnections, pipeline.Grouper.RememberedConnections, pipeline.Grouper.ProbeSourceCount, pipeline.Grouper.BookCount));
        pipeline.Finish();
        Assert.Equal(300, pipeline.Diagnoses.Count);
        Assert.All(pipeline.Diagnoses, d => Assert.Equal(ResetCause.Refused, d.Cause));
    }

    [Fact]
    public void SpoofedSynFlood_RemembersAtMostTheProbeCap()
    {
        // 2,000 refused SYNs from 2,000 sources within half a second: one probe each, all inside one scan window.
        var b = new TrafficBuilder();
        for (int i = 0; i < 2000; i++)
        {
            b.Tcp($"198.18.{i / 250}.{(i % 250) + 1}", (ushort)(30000 + i), "10.0.0.2", 80).Syn().RefuseWithRst();
            b.Advance(TimeSpan.FromMilliseconds(0.25));
        }
        var pipeline = new DiagnosisPipeline(b, new DiagnosisOptions { MaxRememberedProbes = 100, MaxHeldConnections = 50 });
        long first = b.Frames[0].TimestampNanos;
        int mostSources = 0, mostHeld = 0;
        for (int step = 1; step <= 80; step++)
        {
            pipeline.FeedUntil(first + Seconds(step * 0.1)).AdvanceTo(first + Seconds(step * 0.1));
            mostSources = Math.Max(mostSources, pipeline.Grouper.ProbeSourceCount);
            mostHeld = Math.Max(mostHeld, pipeline.Grouper.HeldConnections);
        }
        pipeline.Finish();
        Assert.True(mostSources is >= 1 and <= 100 && mostHeld is >= 1 and <= 50, $"sources {mostSources}, held {mostHeld}");
        // Bounded memory loses no connection: each is still diagnosed, and none is taken for a scan. 2,000 sources
        // refused on one port in half a second are a spoofed flood: the attempts judged once the flood was
        // counted name it (the cap releases the first ones before that, and they stay refused).
        Assert.Equal(2000, pipeline.Diagnoses.Count);
        Assert.All(pipeline.Diagnoses, d => Assert.Contains(d.Cause, new[] { ResetCause.Refused, ResetCause.SynFlood }));
        HostFinding flood = Assert.Single(pipeline.Grouper.Findings);
        Assert.Equal((FindingKind.SynFlood, 2000L, true), (flood.Kind, flood.Connections, flood.PeersEstimated));
        Assert.InRange(flood.DistinctPeers, 1940, 2060); // counted in fixed memory beyond a thousand, within 3%
        Assert.True(pipeline.Diagnoses.Count(d => d.Cause == ResetCause.SynFlood) > 1500);
        Assert.All(pipeline.Diagnoses.Where(d => d.Cause == ResetCause.SynFlood), d => Assert.Equal(flood.Id, d.FindingId));
    }

    [Fact]
    public void AdvanceTime_ReleasesWhatIsDue_WithoutNewConnections()
    {
        var b = new TrafficBuilder();
        long syn = b.Now;
        b.Tcp("10.0.0.1", 40000, "10.0.0.2", 3306).Syn().RefuseWithRst();
        var pipeline = new DiagnosisPipeline(b).FeedAll();

        pipeline.AdvanceTo(syn + Seconds(5.5));
        Assert.Single(pipeline.Connections.Connections);
        Assert.Empty(pipeline.Diagnoses);
        Assert.Equal(1, pipeline.Grouper.HeldConnections);

        pipeline.AdvanceTo(syn + Seconds(7.01));
        Assert.Equal(ResetCause.Refused, Assert.Single(pipeline.Diagnoses).Cause);
        Assert.Equal(0, pipeline.Grouper.HeldConnections);
        Assert.Equal(syn + Seconds(7.01), pipeline.Grouper.NetworkTime);
    }

    [Fact]
    public void ConnectionsWithNothingToWaitFor_AreDiagnosedAtOnce()
    {
        var b = new TrafficBuilder();
        long start = b.Now;
        b.Tcp("10.0.0.1", 40000, "10.0.0.2", 8080).Handshake().Data(Side.Client, 10).Data(Side.Server, 10).Rst(Side.Server, withAck: true);
        var pipeline = new DiagnosisPipeline(b).FeedAll().AdvanceTo(start + Seconds(5.1));
        Assert.Equal(ResetCause.AbortiveClose, Assert.Single(pipeline.Diagnoses).Cause);
        Assert.Equal(0, pipeline.Grouper.HeldConnections);
    }
}
