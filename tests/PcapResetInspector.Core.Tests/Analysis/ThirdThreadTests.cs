using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Analysis;

/// <summary>
/// The sinks on a third thread (race grouping, diagnosis, counts, exports) see every connection and every
/// reuse of a tuple in the order the tracker gave them: every row of every connection, with its diagnosis,
/// and the findings, are those of the run on two threads.
/// </summary>
public class ThirdThreadTests
{
    [Theory]
    [InlineData(CaptureProfile.Mixed, null, 40_000)]
    // The retry of a port-reuse collision is told to the grouping as a reuse of the tuple, after the collision left the table.
    [InlineData(CaptureProfile.Mixed, "port-reuse-collision", 20_000)]
    [InlineData(CaptureProfile.ReusedTuple, null, 20_000)]
    [InlineData(CaptureProfile.Scan, null, 60_000)]
    [InlineData(CaptureProfile.Synflood, null, 30_000)]
    public void Every_row_and_finding_is_that_of_two_threads(CaptureProfile profile, string? scenario, int packets)
    {
        byte[] capture = CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 3, Profile = profile, Scenario = scenario, MaxPackets = packets });
        (string rows, string findings, long connections) = Analyse(capture, thirdThread: false);
        Assert.True(connections > 300, $"only {connections} connections");
        (string threeRows, string threeFindings, _) = Analyse(capture, thirdThread: true);
        Assert.Equal(rows, threeRows);
        Assert.Equal(findings, threeFindings);
    }

    [Fact]
    public void The_Samba_office_day_gives_the_same_rows()
    {
        SambaOfficeDay day = SampleCaptures.SmbOffice();
        byte[] capture = day.Build().ToPcapBytes();
        Assert.Equal(Analyse(capture, thirdThread: false), Analyse(capture, thirdThread: true));
    }

    private static (string Rows, string Findings, long Connections) Analyse(byte[] capture, bool thirdThread)
    {
        var text = new StringWriter();
        var rows = new JsonLinesConnectionWriter(text);
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions { Selection = new() { All = true }, Exporters = [rows] });
        pipeline.Analyzer.DecodeOnSecondThread = true;
        pipeline.Analyzer.DiagnoseOnThirdThread = thirdThread;
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture), "generated"))
            Assert.True(pipeline.Run(source));
        pipeline.Complete();
        string findings = string.Join("\n", pipeline.Diagnosis.Findings.Select(f => f.ToString()));
        return (text.ToString(), findings, pipeline.Connections.Total);
    }
}
