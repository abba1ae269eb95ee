using System.Text;
using PcapResetInspector.Core.Capture;
using static PcapResetInspector.Core.Tests.Capture.CaptureTestKit;

namespace PcapResetInspector.Core.Tests.Capture;

public class CaptureFileTests
{
    private static byte[] SamplePcap(bool bigEndian = false) => new PcapBuilder(bigEndian, PcapVariant.Nanosecond, linkTypeField: LinkTypes.Raw)
        .Record(1_600_000_000, 1, Payload(40, 1))
        .Record(1_600_000_000, 2, Payload(1400, 2))
        .Record(1_600_000_001, 3, Payload(60, 3))
        .ToArray();

    private static byte[] SamplePcapNg(bool bigEndian = false) => new PcapNgBuilder()
        .Shb(bigEndian)
        .Idb(LinkTypes.Ethernet, 0)
        .Epb(0, 1_600_000_000_000_001, Payload(40, 1))
        .Spb(Payload(30, 2), 30)
        .Shb(!bigEndian)
        .Idb(LinkTypes.Ipv4, 0, NgOption.TsResol(9))
        .Epb(0, 1_600_000_000_000_000_002, Payload(1400, 3))
        .ToArray();

    public static TheoryData<string> SampleNames() => ["pcap-le", "pcap-be", "pcapng-le", "pcapng-be"];

    private static byte[] Sample(string name) => name switch
    {
        "pcap-le" => SamplePcap(),
        "pcap-be" => SamplePcap(bigEndian: true),
        "pcapng-le" => SamplePcapNg(),
        _ => SamplePcapNg(bigEndian: true),
    };

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Gzip_is_decompressed_transparently(string sample)
    {
        byte[] plain = Sample(sample);
        List<ReadPacket> expected = ReadAll(plain, out CaptureFileSource plainSource);

        List<ReadPacket> packets = ReadAll(Gzip(plain), out CaptureFileSource source);

        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, packets);
        Assert.Equal(CaptureCompression.Gzip, source.Compression);
        Assert.Equal(plainSource.Format, source.Format);
        Assert.Equal(plain.Length, source.BytesConsumed);
        AssertClean(source);
    }

    [Fact]
    public void Concatenated_gzip_members_read_as_one_stream()
    {
        byte[] plain = SamplePcap();
        byte[] twoMembers = [.. Gzip(plain[..100]), .. Gzip(plain[100..])];

        List<ReadPacket> packets = ReadAll(twoMembers, out CaptureFileSource source);

        Assert.Equal(ReadAll(plain, out _), packets);
        AssertClean(source);
    }

    [Fact]
    public void A_gzip_capture_cut_short_reports_a_decompressed_offset()
    {
        // Random bytes do not compress, so cutting 300 compressed bytes cuts inside the 1400-byte record.
        byte[] noise = new byte[1400];
        new Random(42).NextBytes(noise);
        byte[] plain = new PcapBuilder().Record(1, 0, Payload(40, 1)).Record(2, 0, noise).Record(3, 0, Payload(60, 3)).ToArray();
        byte[] compressed = Gzip(plain);
        byte[] cut = compressed[..(compressed.Length - 300)];

        List<ReadPacket> packets = ReadAll(cut, out CaptureFileSource source);

        Assert.Equal(Payload(40, 1), Assert.Single(packets).Data);
        CaptureProblem? problem = source.StopProblem;
        Assert.NotNull(problem);
        Assert.True(
            problem.Kind is CaptureProblemKind.TruncatedRecord or CaptureProblemKind.CorruptBlock,
            $"unexpected {problem}");
        Assert.Contains("decompressed offset", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_gzip_data_becomes_a_corrupt_block_problem_not_an_exception()
    {
        // A gzip header whose deflate stream uses the reserved block type 3: the decompressor must reject it.
        byte[] corrupt = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Empty(ReadAll(corrupt, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Contains("compressed data is corrupt at decompressed offset 0", problem.Message, StringComparison.Ordinal);
        Assert.Equal(CaptureCompression.Gzip, source.Compression);
    }

    [Fact]
    public void Corrupt_gzip_after_some_packets_keeps_those_packets()
    {
        byte[] plain = SamplePcap();
        byte[] good = Gzip(plain[..100]);   // file header and the first record (24 + 16 + 40 = 80) and a bit
        byte[] file = [.. good, 0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF];

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(Payload(40, 1), Assert.Single(packets).Data);
        Assert.NotNull(source.StopProblem);
        Assert.Equal(ProblemSeverity.Error, source.StopProblem.Severity);
    }

    [Fact]
    public void Zstd_is_recognised_and_refused_with_advice()
    {
        byte[] file = [0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x00, 0x01, 0x02, 0x03];

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error);
        Assert.Equal("zstd-compressed capture: decompress it first (zstd -d)", problem.Message);
        Assert.Equal(CaptureFormat.Unknown, source.Format);
    }

    [Fact]
    public void Snoop_is_recognised_and_refused()
    {
        byte[] file = [.. "snoop\0\0\0"u8, 0, 0, 0, 2, 0, 0, 0, 4];

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error);
        Assert.Contains("snoop", problem.Message, StringComparison.Ordinal);
        Assert.Contains("unsupported format", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_format_inside_gzip_is_named_as_such()
    {
        Assert.Empty(ReadAll(Gzip([0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4]), out CaptureFileSource zstdInGzip));
        Assert.Empty(ReadAll(Gzip(Gzip(SamplePcap())), out CaptureFileSource gzipInGzip));

        Assert.Contains("inside the gzip data", zstdInGzip.StopProblem?.Message, StringComparison.Ordinal);
        Assert.Equal(CaptureProblemKind.UnsupportedFormat, gzipInGzip.StopProblem?.Kind);
        Assert.Contains("gzip data inside gzip data", gzipInGzip.StopProblem?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anything_else_is_not_a_capture_and_the_message_shows_its_first_bytes()
    {
        byte[] file = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n");

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error);
        Assert.Contains("47 45 54 20 2F 20 48 54", problem.Message, StringComparison.Ordinal);
        Assert.Equal(0, problem.Offset);
    }

    [Fact]
    public void A_pcap_named_pcapng_is_still_read_as_pcap_since_names_are_ignored()
    {
        using var source = CaptureFile.Open(new MemoryStream(SamplePcap()), "capture.pcapng");

        Assert.Equal(3, ReadAll(source).Count);
        Assert.Equal(CaptureFormat.Pcap, source.Format);
        Assert.Equal("capture.pcapng", source.Name);
    }

    [Fact]
    public void An_empty_file_is_a_clear_error()
    {
        Assert.Empty(ReadAll([], out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error);
        Assert.Contains("empty", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_of_nothing_is_a_clear_error()
    {
        // What gzip writes for an empty input (GZipStream writes nothing at all for one).
        byte[] emptyGzip = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Empty(ReadAll(emptyGzip, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error);
        Assert.Contains("decompresses to nothing", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_file_of_fewer_bytes_than_any_magic_is_too_short(int length)
    {
        Assert.Empty(ReadAll(SamplePcap()[..length], out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error);
        Assert.Contains("too short", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void A_pipe_delivering_one_byte_at_a_time_reads_the_same(string sample)
    {
        byte[] plain = Sample(sample);
        List<ReadPacket> expected = ReadAll(plain, out _);

        foreach (byte[] input in new[] { plain, Gzip(plain) })
        {
            var pipe = new PipeLikeStream(input, chunk: 1);
            using CaptureFileSource source = CaptureFile.Open(pipe, "-");

            Assert.Equal(expected, ReadAll(source));
            Assert.Equal("-", source.Name);
            AssertClean(source);
        }
    }

    [Fact]
    public void A_read_error_stops_with_an_io_error_after_the_packets_already_read()
    {
        // The device fails after 100 bytes: the file header (24) and the first record (16 + 40) are in.
        var pipe = new PipeLikeStream(SamplePcap(), failAt: 100);
        using CaptureFileSource source = CaptureFile.Open(pipe, "-");

        List<ReadPacket> packets = ReadAll(source);

        Assert.Equal(Payload(40, 1), Assert.Single(packets).Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.IoError, ProblemSeverity.Error);
        Assert.Equal(100, problem.Offset);
        Assert.Contains("simulated device failure", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_error_while_detecting_the_format_is_reported_not_thrown()
    {
        CaptureFileSource source = CaptureFile.Open(new PipeLikeStream(SamplePcap(), failAt: 0), "-");

        Assert.Empty(ReadAll(source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.IoError, ProblemSeverity.Error);
        Assert.Equal(0, problem.Offset);
    }

    [Fact]
    public void A_read_error_inside_the_file_header_is_reported_not_thrown()
    {
        CaptureFileSource source = CaptureFile.Open(new PipeLikeStream(SamplePcapNg(), chunk: 8, failAt: 16), "-");

        Assert.Empty(ReadAll(source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.IoError, ProblemSeverity.Error);
        Assert.Equal(16, problem.Offset);
    }

    [Fact]
    public void The_source_disposes_its_stream_unless_asked_to_leave_it_open()
    {
        var owned = new PipeLikeStream(SamplePcap());
        var borrowed = new PipeLikeStream(Gzip(SamplePcap()));
        var rejected = new PipeLikeStream([1, 2, 3, 4, 5]);

        CaptureFile.Open(owned, "a").Dispose();
        CaptureFile.Open(borrowed, "b", leaveOpen: true).Dispose();
        CaptureFile.Open(rejected, "c").Dispose();

        Assert.True(owned.Disposed);
        Assert.False(borrowed.Disposed);
        Assert.True(rejected.Disposed);
    }

    [Fact]
    public void Opening_a_missing_file_throws_what_the_file_system_says()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-capture-{Guid.NewGuid():N}.pcap");

        Assert.Throws<FileNotFoundException>(() => CaptureFile.Open(path));
    }

    [Fact]
    public void Opening_a_file_by_path_reads_it_and_names_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"capture-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, Gzip(SamplePcapNg()));
        try
        {
            using CaptureFileSource source = CaptureFile.Open(path);

            Assert.Equal(3, ReadAll(source).Count);
            Assert.Equal(path, source.Name);
            Assert.Equal(CaptureFormat.PcapNg, source.Format);
            Assert.Equal(CaptureCompression.Gzip, source.Compression);
            Assert.Equal(2, source.Interfaces.Count);
            AssertClean(source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_problem_log_keeps_errors_and_counts_the_warnings_past_its_cap()
    {
        var log = new ProblemLog(maxKept: 100);
        for (int i = 0; i < 150; i++)
        {
            log.Add(new CaptureProblem("f", i, CaptureProblemKind.SuspiciousRecord, ProblemSeverity.Warning, "w"));
        }

        log.Add(new CaptureProblem("f", 999, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error, "e"));

        Assert.Equal(101, log.Count);
        Assert.Equal(50, log.DroppedWarnings);
        Assert.Equal(99, log[99].Offset);
        Assert.Equal(ProblemSeverity.Error, log[100].Severity);
    }
}
