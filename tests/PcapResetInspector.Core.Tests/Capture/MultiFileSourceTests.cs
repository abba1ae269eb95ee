using PcapResetInspector.Core.Capture;
using static PcapResetInspector.Core.Tests.Capture.CaptureTestKit;

namespace PcapResetInspector.Core.Tests.Capture;

public class MultiFileSourceTests
{
    private static byte[] Rotated(uint firstSecond, int count, byte seed)
    {
        var builder = new PcapBuilder();
        for (int i = 0; i < count; i++)
        {
            builder.Record(firstSecond + (uint)i, 0, Payload(20 + i, (byte)(seed + i)));
        }

        return builder.ToArray();
    }

    /// <summary>Opens in-memory "files" by name and records the order in which they were opened.</summary>
    private sealed class FakeFiles(Dictionary<string, byte[]> files)
    {
        public List<string> Opened { get; } = [];

        public IPacketSource Open(string name)
        {
            Opened.Add(name);
            return files.TryGetValue(name, out byte[]? bytes)
                ? CaptureFile.Open(new MemoryStream(bytes), name)
                : throw new FileNotFoundException($"Could not find file '{name}'.", name);
        }
    }

    [Fact]
    public void Reads_the_files_in_the_given_order_as_one_timeline()
    {
        var files = new FakeFiles(new()
        {
            ["cap0"] = Rotated(100, 2, 10),
            ["cap1"] = Rotated(200, 3, 20),
            ["cap2"] = Rotated(300, 1, 30),
        });
        using var source = new MultiFileSource(["cap0", "cap1", "cap2"], files.Open);
        var names = new List<string>();
        var seconds = new List<long>();

        while (source.TryReadNext(out PacketRecord packet))
        {
            names.Add(source.Name);
            seconds.Add(packet.TimestampNanos / 1_000_000_000);
        }

        Assert.Equal([100L, 101, 200, 201, 202, 300], seconds);
        Assert.Equal(["cap0", "cap0", "cap1", "cap1", "cap1", "cap2"], names);
        Assert.Equal(6, source.PacketsRead);
        Assert.Equal(3, source.FileCount);
        Assert.Equal(2, source.FileIndex);
        Assert.Null(source.StopProblem);
        Assert.Empty(source.Problems);
    }

    [Fact]
    public void Files_are_opened_only_when_the_one_before_is_done()
    {
        var files = new FakeFiles(new() { ["a"] = Rotated(1, 2, 1), ["b"] = Rotated(5, 1, 2) });
        using var source = new MultiFileSource(["a", "b"], files.Open);

        Assert.Empty(files.Opened);
        Assert.True(source.TryReadNext(out _));
        Assert.True(source.TryReadNext(out _));
        Assert.Equal(["a"], files.Opened);
        Assert.True(source.TryReadNext(out _));
        Assert.Equal(["a", "b"], files.Opened);
        Assert.False(source.TryReadNext(out _));
    }

    [Fact]
    public void A_file_that_stops_on_an_error_is_reported_and_reading_goes_on()
    {
        byte[] broken = [.. Rotated(200, 1, 20), .. new PcapBuilder().RawRecord(0, 0, 0xFFFF_FFFF, 1, []).ToArray()[24..]];
        var files = new FakeFiles(new() { ["a"] = Rotated(100, 1, 10), ["b"] = broken, ["c"] = Rotated(300, 2, 30) });
        using var source = new MultiFileSource(["a", "b", "c"], files.Open);

        List<ReadPacket> packets = ReadAll(source);

        Assert.Equal(4, packets.Count);
        Assert.Equal(Payload(20, 20), packets[1].Data);
        CaptureProblem problem = Assert.Single(source.Problems);
        Assert.Equal("b", problem.Source);
        Assert.Equal(CaptureProblemKind.ImpossibleLength, problem.Kind);
        Assert.Same(problem, source.StopProblem);
        Assert.Equal("c", source.Name);
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_an_io_error_and_reading_goes_on()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"rotated-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string first = Path.Combine(directory, "cap0.pcap");
            string missing = Path.Combine(directory, "cap1.pcap");
            string last = Path.Combine(directory, "cap2.pcap.gz");
            File.WriteAllBytes(first, Rotated(100, 2, 1));
            File.WriteAllBytes(last, Gzip(Rotated(300, 3, 2)));
            using var source = new MultiFileSource([first, missing, last]);

            List<ReadPacket> packets = ReadAll(source);

            Assert.Equal(5, packets.Count);
            CaptureProblem problem = Assert.Single(source.Problems);
            Assert.Equal(missing, problem.Source);
            Assert.Equal(CaptureProblemKind.IoError, problem.Kind);
            Assert.StartsWith("cannot open:", problem.Message, StringComparison.Ordinal);
            Assert.Same(problem, source.StopProblem);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Problems_include_those_of_the_file_being_read()
    {
        byte[] suspicious = new PcapBuilder(snapLength: 10).Record(1, 0, Payload(20, 1)).Record(2, 0, Payload(20, 2)).ToArray();
        var files = new FakeFiles(new() { ["a"] = suspicious, ["b"] = Rotated(1, 1, 1) });
        using var source = new MultiFileSource(["a", "b"], files.Open);

        Assert.True(source.TryReadNext(out _));
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal("a", warning.Source);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, warning.Kind);

        ReadAll(source);
        Assert.Equal([warning], source.Problems);
        Assert.Null(source.StopProblem);
    }

    [Fact]
    public void A_truncated_last_file_is_the_stop_problem()
    {
        byte[] cut = Rotated(200, 2, 2)[..^5];
        var files = new FakeFiles(new() { ["a"] = Rotated(100, 2, 1), ["b"] = cut });
        using var source = new MultiFileSource(["a", "b"], files.Open);

        Assert.Equal(3, ReadAll(source).Count);

        Assert.Equal(CaptureProblemKind.TruncatedRecord, source.StopProblem?.Kind);
        Assert.Equal(ProblemSeverity.Warning, source.StopProblem?.Severity);
        Assert.Equal("b", source.StopProblem?.Source);
    }

    [Fact]
    public void An_empty_list_reads_nothing()
    {
        using var source = new MultiFileSource([]);

        Assert.False(source.TryReadNext(out _));
        Assert.Equal("", source.Name);
        Assert.Equal(0, source.PacketsRead);
    }
}
