using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// Held connections wait with their summaries parked in the tracker, and probes in pooled Helds whose old
/// queue entries must go stale: judged once each, in the same order and with the same words as when
/// every summary was built at once.
/// </summary>
public class HeldProbeTests
{
    /// <summary>A scanner's refused probes (some on 445, which the 139/445 books hold), unanswered probes, and a few sessions.</summary>
    private static TrafficBuilder Scan()
    {
        var b = new TrafficBuilder();
        ushort[] ports = [22, 80, 443, 445, 3389, 139, 8080];
        for (int i = 0; i < 900; i++)
        {
            string target = $"10.40.{i / 200}.{i % 200 + 1}";
            ushort port = ports[i % ports.Length];
            var probe = b.Tcp("198.51.100.7", (ushort)(30000 + i), target, port);
            if (i % 3 == 2)
                probe.Syn();
            else
                probe.Syn().RefuseWithRst();
            if (i % 100 == 0)
                b.Tcp("10.40.9.9", (ushort)(50000 + i), "203.0.113.80", 443).Handshake().Rst(Side.Client, withAck: true);
            b.Advance(TimeSpan.FromMilliseconds(3));
        }
        return b;
    }

    [Theory]
    [InlineData(5)]
    [InlineData(20_000)]
    public void Parked_and_pooled_holds_judge_every_connection_as_built_summaries_do(int cap)
    {
        static List<string> Run(bool groupingFirst, bool pool, int cap, out int parkedAtMost, out DiagnosisPipeline pipeline)
        {
            var b = Scan();
            pipeline = new DiagnosisPipeline(b, new DiagnosisOptions { MaxHeldConnections = cap }, groupingFirst, pool);
            long first = b.Frames[0].TimestampNanos;
            parkedAtMost = 0;
            for (int step = 1; step <= 400; step++) // 40 s: past every close delay and scan window
            {
                pipeline.FeedUntil(first + step * 100_000_000L).AdvanceTo(first + step * 100_000_000L);
                parkedAtMost = Math.Max(parkedAtMost, pipeline.ParkedConnections);
            }
            pipeline.Finish();
            return pipeline.Diagnoses.Select(d =>
                $"{d.Uid} {d.Cause} {d.Verdict} {d.Confidence} {d.RaceGroupId} {d.Evidence} | {d.Connection.History} {d.Connection.ConnState} " +
                $"{d.Connection.FirstRstTime} {d.Connection.LastTime} {d.Connection.RemovalTime} {d.Connection.Removal} " +
                $"{d.Connection.Originator.PacketsSent} {d.Connection.Originator.TtlFirst} {d.Connection.Responder.RstSeq} {d.Connection.Responder.IpIdFirst}").ToList();
        }

        // The reference: every summary built when its connection leaves the table, every Held made fresh.
        List<string> built = Run(groupingFirst: false, pool: false, cap, out int parkedWhenBuilt, out _);
        List<string> parked = Run(groupingFirst: true, pool: true, cap, out int parkedAtMost, out DiagnosisPipeline pipeline);

        Assert.Equal(0, parkedWhenBuilt);
        Assert.InRange(parkedAtMost, Math.Min(cap, 50), cap + 1);
        Assert.Equal(0, pipeline.ParkedConnections);
        Assert.Equal(0, pipeline.Grouper.HeldConnections);
        Assert.Equal(built.Count, built.Distinct().Count());
        Assert.Equal(built, parked);
        // Every refused probe and every reset session is judged once.
        Assert.Equal(600 + 9, parked.Count);
    }

    [Fact]
    public void A_reused_Held_is_not_released_by_the_queue_entries_of_its_last_connection()
    {
        // A 139 loser that sent its session request waits for a winner that never comes, first in the arrival
        // queue, so the entries of probes judged behind it stay queued while their Helds serve new probes.
        // Then a burst pushes the count over the cap, and the cap walks that queue from the front.
        static List<string> Run(bool pool)
        {
            var b = new TrafficBuilder();
            b.Tcp("192.168.56.21", 50001, "192.168.56.10", 139).Handshake()
                .Data(Side.Client, [0x81, 0, 0, 68]).Rst(Side.Client, withAck: true);
            for (int i = 0; i < 400; i++)
            {
                b.Tcp("198.51.100.7", (ushort)(20000 + i), $"10.40.{i / 200}.{i % 200 + 1}", 8080).Syn().RefuseWithRst();
                b.Advance(TimeSpan.FromMilliseconds(50));
            }
            for (int i = 0; i < 300; i++)
            {
                b.Tcp("198.51.100.7", (ushort)(40000 + i), $"10.41.{i / 200}.{i % 200 + 1}", 8080).Syn().RefuseWithRst();
                b.Advance(TimeSpan.FromMicroseconds(100));
            }
            var pipeline = new DiagnosisPipeline(b, new DiagnosisOptions { MaxHeldConnections = 200 }, groupingFirst: true, pool);
            long first = b.Frames[0].TimestampNanos;
            for (int step = 1; step <= 400; step++)
                pipeline.FeedUntil(first + step * 100_000_000L).AdvanceTo(first + step * 100_000_000L);
            pipeline.Finish();
            return pipeline.Diagnoses.Select(d => $"{d.Uid} {d.Cause} {d.Evidence}").ToList();
        }

        List<string> fresh = Run(pool: false);
        Assert.Equal(701, fresh.Count);
        Assert.Equal(fresh, Run(pool: true));
    }
}
