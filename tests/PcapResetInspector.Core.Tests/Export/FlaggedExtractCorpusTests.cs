using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Tests.Capture;
using Xunit.Abstractions;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>Issue 21 on real captures: the extract holds every packet Zeek's counters give the flagged connections, in file order.</summary>
public class FlaggedExtractCorpusTests(ITestOutputHelper output)
{
    [CorpusFact]
    public void EveryPacketOfEveryFlaggedConnection_IsInTheExtract()
    {
        int files = 0;
        foreach (string path in Directory.GetFiles(Path.Combine(Corpus.Directory!, "wellformed")).Order(StringComparer.Ordinal))
        {
            if (!path.EndsWith(".pcap", StringComparison.Ordinal) && !path.EndsWith(".pcapng", StringComparison.Ordinal))
                continue;
            var flagged = new List<ConnectionSummary>();
            var pipeline = new AnalysisPipeline();
            pipeline.Selected += (connection, _) => flagged.Add(connection);
            using (CaptureFileSource source = CaptureFile.Open(File.OpenRead(path), path))
                pipeline.Run(source);
            pipeline.Complete();
            if (flagged.Count == 0)
                continue;

            var extractor = new FlaggedPacketExtractor(includeVlan: false);
            flagged.ForEach(extractor.Remember);
            var extract = new MemoryStream();
            using (var capture = new FlaggedCaptureOutput(extract, pipeline.Statistics.LinkTypes, preferPcapNg: true))
            {
                using CaptureFileSource again = CaptureFile.Open(File.OpenRead(path), path);
                extractor.Extract(again, capture);
                capture.Flush();
            }
            ulong expected = flagged.Aggregate(0UL, (sum, c) => sum + c.Originator.Packets + c.Responder.Packets);
            output.WriteLine($"{Path.GetFileName(path)}: {flagged.Count} flagged, {expected} packets, {extractor.PacketsWritten} extracted");
            Assert.Equal((long)expected, extractor.PacketsWritten);

            using CaptureFileSource written = CaptureFile.Open(new MemoryStream(extract.ToArray()), "extract");
            long count = 0;
            while (written.TryReadNext(out _))
                count++;
            Assert.Null(written.StopProblem);
            Assert.Equal(extractor.PacketsWritten, count);
            files++;
        }
        Assert.True(files >= 5, $"only {files} corpus files had flagged connections");
    }
}
