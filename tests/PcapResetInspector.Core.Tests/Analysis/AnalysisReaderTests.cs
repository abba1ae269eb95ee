using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Analysis;

/// <summary>The pipeline read as a pull API gives the rows the push path gives to its exporters.</summary>
public class AnalysisReaderTests
{
    private static List<AnalysedConnection> ReadAll(TrafficBuilder traffic, AnalysisPipelineOptions? options, out AnalysisPipeline pipeline)
    {
        using var reader = new AnalysisReader(CaptureFile.Open(new MemoryStream(traffic.ToPcapBytes()), "sample"), options);
        var rows = new List<AnalysedConnection>();
        while (reader.TryReadNext(out AnalysedConnection row))
            rows.Add(row);
        Assert.False(reader.TryReadNext(out _)); // stays at its end
        pipeline = reader.Pipeline;
        return rows;
    }

    [Fact]
    public void Flagged_rows_of_the_smb_race_are_its_two_benign_losers()
    {
        List<AnalysedConnection> rows = ReadAll(SampleCaptures.SmbRace139And445(), null, out AnalysisPipeline pipeline);

        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign), (row.Diagnosis!.Cause, row.Diagnosis.Verdict)));
        Assert.Equal([139, 445], rows.Select(row => (int)row.Connection.Responder.Port).Order());
        Assert.Equal(4, pipeline.Connections.Total);
        Assert.Equal(2, pipeline.Diagnosis.RaceGroups);
        Assert.Equal(21, pipeline.Statistics.Packets);
    }

    [Fact]
    public void With_every_connection_selected_it_reads_each_once_the_same_as_an_exporter_writes()
    {
        var csv = new StringWriter();
        var exporter = new CsvConnectionWriter(csv);
        var options = new AnalysisPipelineOptions { Selection = new ConnectionSelection { All = true }, Exporters = [exporter] };

        List<AnalysedConnection> rows = ReadAll(SampleCaptures.SmbRace139And445(), options, out AnalysisPipeline pipeline);

        Assert.Equal(pipeline.Connections.Total, rows.Count);
        Assert.Equal(rows.Count, rows.Select(row => row.Connection.Uid).Distinct().Count());
        string[] csvLines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows.Count + 1, csvLines.Length); // a header, then one line per row read
        for (int i = 0; i < rows.Count; i++)
            Assert.StartsWith(rows[i].Connection.Uid + ",", csvLines[i + 1]);
    }

    [Fact]
    public void An_empty_capture_reads_no_row_and_still_completes()
    {
        List<AnalysedConnection> rows = ReadAll(new TrafficBuilder(), null, out AnalysisPipeline pipeline);

        Assert.Empty(rows);
        Assert.Equal(0, pipeline.Statistics.Packets);
        Assert.Equal(0, pipeline.Connections.Total);
    }
}
