using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The host-level view: a host resetting everything must stand out from the background.</summary>
public class ResetStatisticsTests
{
    private static ResetStatistics Statistics(DiagnosisRun run)
    {
        var statistics = new ResetStatistics();
        foreach (ResetDiagnosis d in run.Diagnoses)
            statistics.Add(d);
        return statistics;
    }

    [Fact]
    public void RefusalStormFromOneServer_StandsOutWithItsPeakSecond()
    {
        var b = new TrafficBuilder();
        long stormStart = b.Now; // the builder's clock starts on a whole second
        // 50 refused connects to 10.0.0.2 from five clients within 0.9 s.
        for (int i = 0; i < 50; i++)
        {
            b.Tcp("10.0.1." + (1 + i % 5), (ushort)(45000 + i), "10.0.0.2", 3306, new TcpConversationOptions { Gap = TimeSpan.FromMilliseconds(9) })
                .Syn().RefuseWithRst();
        }
        // Background: one application abort a second on another server.
        b.Advance(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 3; i++)
        {
            b.Tcp("10.0.1.9", (ushort)(46000 + i), "10.0.0.3", 8080).Handshake().Data(Side.Client, 10).Data(Side.Server, 10).Rst(Side.Server, withAck: true);
            b.Advance(TimeSpan.FromSeconds(1));
        }
        ResetStatistics stats = Statistics(DiagnosisHarness.Run(b));

        Assert.Equal(53, stats.Total);
        Assert.Equal(53, stats.Resets);
        Assert.Equal([KeyValuePair.Create(ResetCause.Refused, 50), KeyValuePair.Create(ResetCause.AbortiveClose, 3)], stats.ByCause);
        Assert.Equal([KeyValuePair.Create(Verdict.Benign, 3), KeyValuePair.Create(Verdict.Actionable, 50)], stats.ByVerdict);

        HostResetStatistics storm = stats.Servers[0];
        Assert.Equal("10.0.0.2", IpAddress128.Format(storm.Address));
        Assert.Equal(HostRole.Server, storm.Role);
        Assert.Equal((50, 50, 0), (storm.Diagnoses, storm.ResetsSent, storm.ResetsReceived));
        Assert.Equal(50, storm.Count(ResetCause.Refused));
        Assert.Equal(50, storm.Count(Verdict.Actionable));
        Assert.Equal(50, storm.PeakResetsPerSecond);
        Assert.Equal(stormStart, storm.PeakSecondStart);
        Assert.Equal(stormStart + 9_000_000, storm.FirstResetTime);

        HostResetStatistics background = Assert.IsType<HostResetStatistics>(stats.Server(IpAddress128.Parse("10.0.0.3")));
        Assert.Equal((3, 3, 1), (background.Diagnoses, background.Count(ResetCause.AbortiveClose), background.PeakResetsPerSecond));
        Assert.Equal(2, stats.Servers.Count);

        Assert.Equal(6, stats.Clients.Count);
        Assert.All(stats.Clients.Take(5), c => Assert.Equal((10, 0, 10), (c.Diagnoses, c.ResetsSent, c.ResetsReceived)));
        Assert.Equal("10.0.1.1", IpAddress128.Format(stats.Clients[0].Address));
        Assert.Equal("10.0.1.9", IpAddress128.Format(stats.Clients[5].Address));
        Assert.Null(stats.Client(IpAddress128.Parse("10.0.0.2")));
    }

    [Fact]
    public void RaceLosers_CountForTheServer_AsResetsItReceived()
    {
        ResetStatistics stats = Statistics(DiagnosisHarness.Run(SampleCaptures.SmbRace139And445()));
        HostResetStatistics samba = Assert.Single(stats.Servers);
        Assert.Equal("192.168.56.10", IpAddress128.Format(samba.Address));
        Assert.Equal((2, 0, 2), (samba.Diagnoses, samba.ResetsSent, samba.ResetsReceived));
        Assert.Equal([KeyValuePair.Create(ResetCause.SmbRaceLoser, 2)], samba.ByCause);
        Assert.Equal([KeyValuePair.Create(Verdict.Benign, 2)], samba.ByVerdict);
        Assert.Equal(1, samba.PeakResetsPerSecond);
    }

    [Fact]
    public void LosersWithoutRst_CountAsDiagnoses_NotAsResets()
    {
        // Variant D: the client closed the 139 probe with FIN; it is a loser, but nobody reset anything.
        var b = new TrafficBuilder();
        TcpConversation winner = b.Tcp("192.168.56.21", 50000, "192.168.56.10", 445, new TcpConversationOptions { Timestamps = false });
        TcpConversation loser = b.Tcp("192.168.56.21", 50001, "192.168.56.10", 139, new TcpConversationOptions { Timestamps = false });
        winner.Syn();
        loser.Syn();
        winner.SynAck().Ack(Side.Client);
        loser.SynAck().Ack(Side.Client).Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        SmbRaceTests.CarrySmb(winner, 445, b);

        var list = new DiagnosisList();
        var stats = new ResetStatistics();
        var sink = new DiagnosisTee(list, stats);
        foreach (ResetDiagnosis d in DiagnosisHarness.Run(b).Diagnoses)
            sink.Add(d);

        Assert.Single(list.Diagnoses);
        Assert.Equal((1, 0), (stats.Total, stats.Resets));
        HostResetStatistics server = stats.Servers[0];
        Assert.Equal((1, 0, 0, 0), (server.Diagnoses, server.ResetsSent, server.ResetsReceived, server.PeakResetsPerSecond));
        Assert.Equal(0, server.PeakSecondStart);
    }

    [Fact]
    public void HostCap_KeepsTheHostThatStandsOut_AndCountsWhatItDropped()
    {
        // One client refused 30 times, then 200 clients refused once each, over a cap of 20 clients.
        var b = new TrafficBuilder();
        for (int i = 0; i < 30; i++)
            b.Tcp("10.9.9.9", (ushort)(40000 + i), "10.0.0.2", 3306).Syn().RefuseWithRst();
        for (int i = 0; i < 200; i++)
            b.Tcp($"10.8.{i / 200}.{(i % 200) + 1}", 50000, "10.0.0.2", 3306).Syn().RefuseWithRst();
        var stats = new ResetStatistics(maxHostsPerRole: 20);
        foreach (ResetDiagnosis d in DiagnosisHarness.Run(b).Diagnoses)
            stats.Add(d);

        Assert.Equal(230, stats.Total);
        Assert.InRange(stats.Clients.Count, 1, 20);
        Assert.Equal(201 - stats.Clients.Count, stats.HostsDropped);
        HostResetStatistics top = stats.Clients[0];
        Assert.Equal((IpAddress128.Parse("10.9.9.9"), 30), (top.Address, top.Diagnoses));
        Assert.Equal(230, stats.Server(IpAddress128.Parse("10.0.0.2"))!.Diagnoses);
    }

    [Fact]
    public void HostCap_AHostMadeFromADroppedOne_CountsOnlyItsOwnResets()
    {
        // Twelve clients, each refused once and then aborting a connection itself two seconds later (so each
        // has counts by cause and by second, and resets sent and received), one after another, over a cap of
        // 4 clients: dropped hosts serve the clients that come after them.
        var b = new TrafficBuilder();
        for (int i = 0; i < 12; i++)
        {
            b.Tcp($"10.7.0.{i + 1}", 41000, "10.0.0.2", 3306).Syn().RefuseWithRst();
            b.Advance(TimeSpan.FromSeconds(2));
            b.Tcp($"10.7.0.{i + 1}", 41001, "10.0.0.2", 5432).Handshake().Rst(Side.Client, withAck: true);
            b.Advance(TimeSpan.FromSeconds(2));
        }
        List<ResetDiagnosis> diagnoses = DiagnosisHarness.Run(b).Diagnoses;
        var stats = new ResetStatistics(maxHostsPerRole: 4);
        foreach (ResetDiagnosis d in diagnoses)
            stats.Add(d);

        Assert.True(stats.HostsDropped >= 8, $"only {stats.HostsDropped} dropped");
        Assert.NotEmpty(stats.Clients);
        foreach (HostResetStatistics kept in stats.Clients)
        {
            var alone = new ResetStatistics();
            foreach (ResetDiagnosis d in diagnoses.Where(d => d.Client.Address == kept.Address))
                alone.Add(d);
            HostResetStatistics expected = alone.Client(kept.Address)!;
            Assert.Equal(
                (expected.Diagnoses, expected.ResetsSent, expected.ResetsReceived, expected.PeakResetsPerSecond, expected.FirstResetTime, expected.LastResetTime),
                (kept.Diagnoses, kept.ResetsSent, kept.ResetsReceived, kept.PeakResetsPerSecond, kept.FirstResetTime, kept.LastResetTime));
            Assert.Equal(expected.ByCause, kept.ByCause);
            Assert.Equal(expected.ByVerdict, kept.ByVerdict);
            Assert.Equal(HostRole.Client, kept.Role);
        }
    }
}
