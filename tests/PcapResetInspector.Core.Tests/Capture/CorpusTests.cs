using PcapResetInspector.Core.Capture;
using static PcapResetInspector.Core.Tests.Capture.CaptureTestKit;

namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>
/// The readers against the shared corpus of real captures (shared/corpus/README.md): every well-formed file
/// reads to its end with the manifest's frame count; every malformed one ends without exception, with the
/// frames tshark reads before the problem and a problem reported wherever tshark reports one.
/// </summary>
public class CorpusTests
{
    /// <summary>
    /// Malformed files where this reader's count or ending differs from tshark 4.0's, with why. In each case the
    /// reader follows libpcap (tcpdump -r reads the same number of packets), while tshark's pcap reader
    /// guesses among look-alike record layouts (Nokia, Red Hat SS990417/SS990915) whenever a record looks
    /// odd, and picks a layout that reads the file differently.
    /// </summary>
    private static readonly Dictionary<string, (int Frames, CaptureProblemKind? Stop, string Why)> MalformedDifferences = new()
    {
        ["pcpp__clusterfuzz-testcase-minimized-FuzzTarget-5766899836387328"] = (1, null,
            "version 2.3 with captured 0x20202020 > original 4: libpcap's MAYBE_SWAPPED swaps them, leaving a complete "
            + "4-byte record that ends the file exactly; tshark rejects the standard layout for its 0x20202020 microseconds"),
        ["suricata__fuzz.pcap"] = (1, CaptureProblemKind.ImpossibleLength,
            "the second record header (offset 228) claims 1409179648 bytes; tshark's guessed layout reads a bogus "
            + "second frame first"),
        ["pcpp__crash-exception-cast-constructed-record"] = (2, CaptureProblemKind.ImpossibleLength,
            "two sound records, then 167776960 bytes claimed at offset 574 (tcpdump: 2 packets, then the same error); "
            + "tshark's guessed layout stops after 1"),
    };

    /// <summary>What stops each malformed file whose problem is in the file format (the rest read cleanly).</summary>
    private static readonly Dictionary<string, CaptureProblemKind> MalformedStops = new()
    {
        ["libpcap__pcap-invalid-version-1.pcap"] = CaptureProblemKind.UnsupportedVersion,
        ["libpcap__pcapng-invalid-vers-1.pcapng"] = CaptureProblemKind.UnsupportedVersion,
        ["libpcap__pcapng-invalid-vers-2.pcapng"] = CaptureProblemKind.UnsupportedVersion,
        ["gopacket__le_test901.pcapng"] = CaptureProblemKind.UnsupportedVersion,
        ["gopacket__be_test901.pcapng"] = CaptureProblemKind.UnsupportedVersion,
        ["libpcap__shb-option-too-long.pcapng"] = CaptureProblemKind.CorruptBlock,
        ["libpcap__linktype-reserved-field-not-zero.pcap"] = CaptureProblemKind.InvalidHeader,
        ["pcpp__clusterfuzz-testcase-minimized-FuzzTarget-5631583764873216"] = CaptureProblemKind.InvalidHeader,
        ["pcpp__crash-null-deref-pcapng-shb"] = CaptureProblemKind.NotACaptureFile,
        ["pcpp__crash-pcapng-epb-unbounded-length"] = CaptureProblemKind.CorruptBlock,
        ["pcpp__clusterfuzz-testcase-FuzzTarget-6207688043397120"] = CaptureProblemKind.TruncatedRecord,
        ["pcpp__crash-8534c61cdf5987482365d7877ade12eef5aaf8b7"] = CaptureProblemKind.TruncatedRecord,
        ["pcpp__crash-81dba690a3f67ee41a41390a625db732fa1413a1"] = CaptureProblemKind.TruncatedRecord,
        ["pcpp__crash-invalid-asn-record-len"] = CaptureProblemKind.TruncatedRecord,
        ["pcpp__clusterfuzz-testcase-minimized-FuzzTarget-5696447256461312"] = CaptureProblemKind.TruncatedRecord,
        ["pcpp__crash-eec28dafde1f1ac2299674a75a914ae16d4046fa"] = CaptureProblemKind.ImpossibleLength,
        ["pcpp__crash-exception-cast-constructed-record"] = CaptureProblemKind.ImpossibleLength,
        ["pcpp__clusterfuzz-testcase-FuzzTarget-5188876846235648"] = CaptureProblemKind.ImpossibleLength,
        ["pcpp__clusterfuzz-testcase-minimized-FuzzTarget-5165538295939072"] = CaptureProblemKind.ImpossibleLength,
        ["pcpp__clusterfuzz-testcase-minimized-FuzzTarget-5755755617189888"] = CaptureProblemKind.ImpossibleLength,
        ["pcpp__radiuslayer"] = CaptureProblemKind.ImpossibleLength,
        ["suricata__fuzz.pcap"] = CaptureProblemKind.ImpossibleLength,
        ["suricata__10.7.29.101_49898-178.63.41.150_25.pcap"] = CaptureProblemKind.ImpossibleLength,
        ["suricata__tls_DER-incomplete-header.pcap"] = CaptureProblemKind.ImpossibleLength,
    };

    /// <summary>Well-formed files that draw a warning, and why.</summary>
    private static readonly Dictionary<string, CaptureProblemKind> WellformedWarnings = new()
    {
        // Interface 1's timestamps are 2^64 minus ~505 s in microseconds, past 2262: read as negative.
        ["pcpp__pcapng-example.pcapng"] = CaptureProblemKind.SuspiciousRecord,
    };

    public static TheoryData<string> WellformedFiles() => Corpus.Names("wellformed");

    public static TheoryData<string> MalformedFiles() => Corpus.Names("malformed");

    [CorpusTheory]
    [MemberData(nameof(WellformedFiles))]
    public void Wellformed_files_read_to_the_end_with_the_manifest_frame_count(string fileName)
    {
        CorpusEntry entry = Corpus.Get("wellformed", fileName);
        using CaptureFileSource source = CaptureFile.Open(entry.Path);

        List<ReadPacket> packets = ReadAll(source);

        if (entry.Format is "zstd" or "snoop")
        {
            Assert.Empty(packets);
            AssertStoppedWith(source, CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error);
            return;
        }

        // tshark shows each pcapng Custom Block (CB, and DCB: the "do not copy" kind) as a frame of its own;
        // they hold no packet, and capinfos -c does not count them either.
        int expected = entry.FrameCount - entry.BlockCount("CB") - entry.BlockCount("DCB");
        Assert.Equal(expected, packets.Count);
        Assert.Null(source.StopProblem);
        Assert.DoesNotContain(source.Problems, problem => problem.Severity == ProblemSeverity.Error);
        Assert.Equal(
            WellformedWarnings.TryGetValue(fileName, out CaptureProblemKind warning) ? [warning] : [],
            source.Problems.Select(problem => problem.Kind));
        Assert.Equal(entry.Format.StartsWith("pcapng", StringComparison.Ordinal) ? CaptureFormat.PcapNg : CaptureFormat.Pcap, source.Format);
    }

    [CorpusTheory]
    [MemberData(nameof(WellformedFiles))]
    public void Wellformed_files_read_the_same_through_gzip_a_trickling_pipe_and_a_tiny_buffer(string fileName)
    {
        CorpusEntry entry = Corpus.Get("wellformed", fileName);
        byte[] bytes = File.ReadAllBytes(entry.Path);
        List<ReadPacket> expected = ReadAll(bytes, out CaptureFileSource plain);

        List<ReadPacket> gzipped = ReadAll(Gzip(bytes), out CaptureFileSource gzipSource);
        using CaptureFileSource pipeSource = CaptureFile.Open(new PipeLikeStream(bytes, chunk: 7), "-", leaveOpen: false, bufferSize: 64);
        List<ReadPacket> piped = ReadAll(pipeSource);

        Assert.Equal(expected, gzipped);
        Assert.Equal(expected, piped);
        Assert.Equal(plain.StopProblem?.Kind, gzipSource.StopProblem?.Kind);
        Assert.Equal(plain.StopProblem?.Kind, pipeSource.StopProblem?.Kind);
    }

    [CorpusTheory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_files_end_without_exception_after_the_frames_tshark_reads(string fileName)
    {
        CorpusEntry entry = Corpus.Get("malformed", fileName);
        using CaptureFileSource source = CaptureFile.Open(entry.Path);

        List<ReadPacket> packets = ReadAll(source);

        bool differs = MalformedDifferences.TryGetValue(fileName, out var difference);
        Assert.Equal(differs ? difference.Frames : entry.FrameCount, packets.Count);
        CaptureProblemKind? expectedStop = MalformedStops.TryGetValue(fileName, out CaptureProblemKind stop) ? stop : null;
        Assert.Equal(expectedStop, source.StopProblem?.Kind);
        if (entry.TsharkReportsProblem && !(differs && difference.Stop is null))
        {
            // Never a clean end where tshark sees a problem: an error, or the warning of a file cut short.
            Assert.NotNull(source.StopProblem);
            Assert.True(
                source.StopProblem.Severity == ProblemSeverity.Error || source.StopProblem.Kind == CaptureProblemKind.TruncatedRecord,
                source.StopProblem.ToString());
        }

        Assert.All(source.Problems, problem => Assert.Equal(entry.Path, problem.Source));
    }

    [CorpusTheory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_files_cut_anywhere_never_throw(string fileName)
    {
        // Every prefix of the small ones (the large ones, at 64 points); each prefix delivers a prefix of the packets.
        byte[] bytes = File.ReadAllBytes(Corpus.Get("malformed", fileName).Path);
        List<ReadPacket> all = ReadAll(bytes, out _);
        int step = Math.Max(1, bytes.Length / 64);
        for (int cut = 0; cut <= bytes.Length; cut += bytes.Length <= 2048 ? 1 : step)
        {
            List<ReadPacket> packets = ReadAll(bytes[..cut], out _, bufferSize: 32);
            Assert.Equal(all.Take(packets.Count), packets);
        }
    }

    /// <summary>Values from tshark 4.0 (frame.time_epoch, frame.cap_len) for files of every layout.</summary>
    public static TheoryData<string, string, int, long, long, long, int[]> GoldenValues() => new()
    {
        { "wellformed", "pcpp__nanosecs_big_endian.pcap", 10, 1_766_361_926_167_647_291, 1_766_361_926_168_451_894, 2198, [LinkTypes.Ethernet] },
        { "wellformed", "tcpdump__pptp.pcap", 23, 954_147_395_148_077_000, 954_147_396_347_775_000, 2072, [LinkTypes.Ethernet] },
        { "wellformed", "tcpdump__ipoib.pcap", 30, 1_555_605_152_697_187_000, 1_555_605_229_323_197_000, 4574, [242] },
        { "wellformed", "pcapparser__modified-format.pcap", 1, 1_712_763_541_734_807_000, 1_712_763_541_734_807_000, 98, [LinkTypes.Ethernet] },
        { "wellformed", "tcpdump__tcp-handshake-nano.pcap", 3, 1_418_145_369_924_505_488, 1_418_145_370_052_115_157, 220, [LinkTypes.LinuxSll] },
        { "wellformed", "suricata__decode-sll2-01__input.pcap", 5, 1_736_381_483_613_927_000, 1_736_381_483_615_602_000, 458, [LinkTypes.LinuxSll2] },
        { "wellformed", "gopacket__le_test902.pcapng", 1, 1_519_128_000_195_312_500, 1_519_128_000_195_312_500, 314, [LinkTypes.Ethernet] },
        { "wellformed", "pcpp__many_interfaces-1.pcapng", 64, 1_439_753_725_701_607_000, 1_439_753_728_292_345_000, 15954, [LinkTypes.Null, LinkTypes.Ethernet] },
        // The last packet is on the interface whose timestamps are read as negative (tshark: 18446744073204.277451).
        { "wellformed", "pcpp__pcapng-example.pcapng", 159, 1_422_527_998_578_402_281, -505_274_165_000, 18075, [LinkTypes.Ethernet, LinkTypes.LinuxSll] },
        { "malformed", "tcpdump__time_2038_overflow.pcap", 1, 2_147_483_648_000_000_000, 2_147_483_648_000_000_000, 98, [LinkTypes.Ethernet] },
        { "malformed", "tcpdump__time_2106_overflow.pcapng", 1, 4_294_967_296_000_000_000, 4_294_967_296_000_000_000, 98, [LinkTypes.Ethernet] },
    };

    [CorpusTheory]
    [MemberData(nameof(GoldenValues))]
    public void Timestamps_lengths_and_link_types_match_tshark(
        string folder, string fileName, int count, long firstNanos, long lastNanos, long capturedBytes, int[] linkTypes)
    {
        using CaptureFileSource source = CaptureFile.Open(Corpus.Get(folder, fileName).Path);

        List<ReadPacket> packets = ReadAll(source);

        Assert.Equal(count, packets.Count);
        Assert.Equal(firstNanos, packets[0].TimestampNanos);
        Assert.Equal(lastNanos, packets[^1].TimestampNanos);
        Assert.Equal(capturedBytes, packets.Sum(packet => (long)packet.Data.Length));
        Assert.Equal(linkTypes, packets.Select(packet => packet.LinkType).Distinct().Order());
    }
}
