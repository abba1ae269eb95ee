using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Analysis;

/// <summary>The pipeline's one clock and one completion order, as a live capture on a quiet interface uses them.</summary>
public class AnalysisPipelineTests
{
    private static void ProcessAll(AnalysisPipeline pipeline, TrafficBuilder traffic)
    {
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(traffic.ToPcapBytes()), "sample");
        while (source.TryReadNext(out PacketRecord packet))
            pipeline.Process(in packet);
    }

    [Fact]
    public void Advancing_time_without_packets_releases_a_refused_connect_through_tracker_and_diagnosis()
    {
        var traffic = new TrafficBuilder();
        traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 8080).Syn().RefuseWithRst();
        var pipeline = new AnalysisPipeline();
        var rows = new List<ResetDiagnosis?>();
        pipeline.Selected += (_, diagnosis) => rows.Add(diagnosis);

        ProcessAll(pipeline, traffic);
        Assert.Equal(0, pipeline.Connections.Total); // still in the table: its close delay has not passed

        pipeline.AdvanceTime(traffic.Now + TimeSpan.FromMinutes(10).Ticks * 100);

        Assert.Equal(1, pipeline.Connections.Total);
        ResetDiagnosis refused = Assert.Single(rows)!;
        Assert.Equal(ResetCause.Refused, refused.Cause);
    }

    [Fact]
    public void Complete_drains_the_table_then_closes_the_exporters_once()
    {
        var traffic = new TrafficBuilder();
        traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 8080).Syn();
        var exporter = new CountingExporter();
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions { Selection = new() { All = true }, Exporters = [exporter] });

        ProcessAll(pipeline, traffic);
        pipeline.Complete();
        pipeline.Complete();

        Assert.Equal(1, pipeline.Connections.Total);
        Assert.Equal((1, 1), (exporter.Rows, exporter.Completions));
        Assert.True(exporter.RowsAtCompletion == 1, "the drained connection was written before the exporter closed");
    }

    private sealed class CountingExporter : IConnectionExporter
    {
        public int Rows, Completions, RowsAtCompletion;

        public void Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty) => Rows++;

        public void Flush()
        {
        }

        public void Complete(long closeTime)
        {
            Completions++;
            RowsAtCompletion = Rows;
        }
    }
}
