using PcapResetInspector.Core.Capture;
using static PcapResetInspector.Core.Tests.Capture.CaptureTestKit;

namespace PcapResetInspector.Core.Tests.Capture;

public class PcapReaderTests
{
    private const long NanosPerSecond = 1_000_000_000;

    [Theory]
    [InlineData(false, PcapVariant.Microsecond)]
    [InlineData(true, PcapVariant.Microsecond)]
    [InlineData(false, PcapVariant.Nanosecond)]
    [InlineData(true, PcapVariant.Nanosecond)]
    [InlineData(false, PcapVariant.Modified)]
    [InlineData(true, PcapVariant.Modified)]
    public void Reads_every_magic_in_both_byte_orders(bool bigEndian, PcapVariant variant)
    {
        byte[] first = Payload(60, 1);
        byte[] second = Payload(1514, 2);
        byte[] file = new PcapBuilder(bigEndian, variant, linkTypeField: LinkTypes.LinuxSll)
            .Record(1_700_000_000, 123_456, first)
            .Record(1_700_000_001, 999_999, second, originalLength: 9000)
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        bool nanos = variant == PcapVariant.Nanosecond;
        Assert.Equal(CaptureFormat.Pcap, source.Format);
        Assert.Equal(CaptureCompression.None, source.Compression);
        Assert.Equal(2, packets.Count);
        Assert.Equal(2, source.PacketsRead);
        Assert.Equal(first, packets[0].Data);
        Assert.Equal(second, packets[1].Data);
        Assert.Equal((1_700_000_000 * NanosPerSecond) + (nanos ? 123_456 : 123_456_000), packets[0].TimestampNanos);
        Assert.Equal((1_700_000_001 * NanosPerSecond) + (nanos ? 999_999 : 999_999_000), packets[1].TimestampNanos);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(9000, packets[1].OriginalLength);
        Assert.All(packets, packet => Assert.Equal(LinkTypes.LinuxSll, packet.LinkType));
        Assert.All(packets, packet => Assert.Equal(0, packet.InterfaceId));
        CaptureInterface only = Assert.Single(source.Interfaces);
        Assert.Equal(LinkTypes.LinuxSll, only.LinkType);
        Assert.Equal(65535u, only.SnapLength);
        Assert.Equal(nanos ? 9 : 6, only.TimestampResolution);
        AssertClean(source);
    }

    [Fact]
    public void Version_2_2_has_the_two_lengths_swapped()
    {
        // Before 2.3 the original length came first (libpcap sf-pcap.c: lengths_swapped = SWAPPED).
        byte[] data = Payload(10, 3);
        byte[] file = new PcapBuilder(minor: 2).RawRecord(1, 0, capturedLengthField: 100, originalLengthField: 10, data).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(data, packet.Data);
        Assert.Equal(100, packet.OriginalLength);
        AssertClean(source);
    }

    [Fact]
    public void Version_2_3_swaps_the_lengths_only_when_captured_exceeds_original()
    {
        byte[] swapped = Payload(10, 4);
        byte[] normal = Payload(20, 5);
        byte[] file = new PcapBuilder(minor: 3)
            .RawRecord(1, 0, capturedLengthField: 100, originalLengthField: 10, swapped)
            .RawRecord(2, 0, capturedLengthField: 20, originalLengthField: 200, normal)
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(2, packets.Count);
        Assert.Equal(swapped, packets[0].Data);
        Assert.Equal(100, packets[0].OriginalLength);
        Assert.Equal(normal, packets[1].Data);
        Assert.Equal(200, packets[1].OriginalLength);
        AssertClean(source);
    }

    [Fact]
    public void Version_2_4_never_swaps_and_warns_once_when_captured_exceeds_original()
    {
        byte[] file = new PcapBuilder(minor: 4)
            .RawRecord(1, 0, capturedLengthField: 30, originalLengthField: 10, Payload(30, 6))
            .RawRecord(2, 0, capturedLengthField: 40, originalLengthField: 20, Payload(40, 7))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([30, 40], packets.Select(packet => packet.Data.Length));
        Assert.Equal([10, 20], packets.Select(packet => packet.OriginalLength));
        Assert.Null(source.StopProblem);
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, warning.Kind);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        Assert.Equal(PcapBuilder.FileHeaderLength, warning.Offset);
        Assert.Contains("original length 10", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8224)]
    public void Any_minor_version_of_major_2_is_read(ushort minor)
    {
        byte[] file = new PcapBuilder(minor: minor).Record(1, 2, Payload(42, 8)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(42, 8), packet.Data);
        Assert.Equal((1 * NanosPerSecond) + 2_000, packet.TimestampNanos);
        AssertClean(source);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 0)]
    [InlineData(0, 0)]
    public void Other_major_versions_are_unsupported(ushort major, ushort minor)
    {
        byte[] file = new PcapBuilder(major: major, minor: minor).Record(1, 0, Payload(42, 9)).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.UnsupportedVersion, ProblemSeverity.Error);
        Assert.Contains($"major version {major} unsupported", problem.Message, StringComparison.Ordinal);
        Assert.Contains($"{major}.{minor}", problem.Message, StringComparison.Ordinal);
        Assert.Equal(Name, problem.Source);
    }

    [Fact]
    public void Reserved_link_type_bits_are_an_error()
    {
        byte[] file = new PcapBuilder(linkTypeField: 0x0030_0000).Record(1, 0, Payload(42, 10)).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.InvalidHeader, ProblemSeverity.Error);
        Assert.Contains("reserved bits not zero (0x00300000)", problem.Message, StringComparison.Ordinal);
        Assert.Equal(20, problem.Offset);
    }

    [Theory]
    [InlineData(0x2400_0001u, 4)]   // P bit, FCS length 2 sixteen-bit words
    [InlineData(0x1400_0001u, 2)]
    [InlineData(0x0400_0001u, 0)]   // P bit, no FCS: known to be absent
    [InlineData(0x3000_0001u, -1)]  // FCS bits without the P bit mean nothing: tolerated
    [InlineData(0x0800_0001u, -1)]  // bit 27, unassigned, which libpcap does not check either
    public void Fcs_length_comes_from_the_link_type_field_only_with_the_P_bit(uint linkTypeField, int expectedFcsLength)
    {
        byte[] file = new PcapBuilder(linkTypeField: linkTypeField).Record(1, 0, Payload(64, 11)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(LinkTypes.Ethernet, packet.LinkType);
        Assert.Equal(expectedFcsLength, packet.FcsLength);
        Assert.Equal(expectedFcsLength, source.Interfaces[0].FcsLength);
        AssertClean(source);
    }

    [Fact]
    public void Captured_length_above_the_snapshot_length_is_read_with_one_warning_per_file()
    {
        byte[] file = new PcapBuilder(snapLength: 64)
            .Record(1, 0, Payload(100, 12))
            .Record(2, 0, Payload(200, 13))
            .Record(3, 0, Payload(64, 14))
            .Record(4, 0, Payload(65, 15))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([100, 200, 64, 65], packets.Select(packet => packet.Data.Length));
        Assert.Equal(Payload(200, 13), packets[1].Data);
        Assert.Null(source.StopProblem);
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, warning.Kind);
        Assert.Contains("snapshot length 64", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Captured_length_above_the_262144_limit_and_the_snapshot_length_stops_with_the_offset()
    {
        var builder = new PcapBuilder(snapLength: 65535).Record(1, 0, Payload(100, 16));
        int badRecordOffset = builder.Length;
        byte[] file = builder.RawRecord(2, 0, capturedLengthField: 262_145, originalLengthField: 262_145, Payload(300, 17)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(100, 16), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error);
        Assert.Equal(badRecordOffset, problem.Offset);
        Assert.Contains($"offset {badRecordOffset}", problem.Message, StringComparison.Ordinal);
        Assert.Contains("262145", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_snapshot_length_does_not_make_a_record_above_262144_readable()
    {
        // The format allows it; tcpdump and tshark refuse it, and so does this tool: skipped with a warning, never buffered.
        byte[] big = Payload(300_000, 18);
        byte[] file = new PcapBuilder(snapLength: 1_000_000).Record(1, 0, big).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source, bufferSize: 4096));
        Assert.Null(source.StopProblem);
        Assert.Contains("skipped", Assert.Single(source.Problems).Message, StringComparison.Ordinal);
        Assert.True(source.BufferCapacity <= 1 << 20, $"buffer grew to {source.BufferCapacity} bytes for a skipped record");
    }

    [Fact]
    public void No_record_may_exceed_256_MiB_whatever_the_snapshot_length()
    {
        byte[] file = new PcapBuilder(snapLength: uint.MaxValue)
            .RawRecord(1, 0, capturedLengthField: (256 * 1024 * 1024) + 1, originalLengthField: 1, [])
            .ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error);
        Assert.Contains("268435457", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_length_in_a_short_file_is_a_truncation_and_does_not_allocate_what_it_claims()
    {
        // 200 MB is allowed by the snapshot length, but the file holds 40 bytes of it.
        byte[] file = new PcapBuilder(snapLength: uint.MaxValue)
            .RawRecord(1, 0, capturedLengthField: 200_000_000, originalLengthField: 200_000_000, Payload(40, 19))
            .ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source, bufferSize: 4096));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning);
        Assert.Contains("200000000 captured bytes expected", problem.Message, StringComparison.Ordinal);
        Assert.Contains("40 available", problem.Message, StringComparison.Ordinal);
        Assert.True(source.BufferCapacity <= 4096, $"buffer grew to {source.BufferCapacity} bytes for a 80-byte file");
    }

    [Theory]
    [InlineData(PcapVariant.Microsecond, 1_500_000u, 1_500_000_000L)]
    [InlineData(PcapVariant.Microsecond, uint.MaxValue, 4_294_967_295_000L)]
    [InlineData(PcapVariant.Nanosecond, 1_000_000_000u, 1_000_000_000L)]
    [InlineData(PcapVariant.Nanosecond, uint.MaxValue, 4_294_967_295L)]
    public void A_sub_second_field_past_one_second_is_added_arithmetically_with_one_warning(
        PcapVariant variant, uint fraction, long fractionNanos)
    {
        byte[] file = new PcapBuilder(variant: variant)
            .Record(1_418_145_370, fraction, Payload(20, 20))
            .Record(1_418_145_371, fraction, Payload(20, 21))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal((1_418_145_370 * NanosPerSecond) + fractionNanos, packets[0].TimestampNanos);
        Assert.Equal((1_418_145_371 * NanosPerSecond) + fractionNanos, packets[1].TimestampNanos);
        Assert.Null(source.StopProblem);
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, warning.Kind);
        Assert.Contains(fraction.ToString(System.Globalization.CultureInfo.InvariantCulture), warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x7FFF_FFFFu, 1u, 2_147_483_647_000_001_000L)]   // last second before the signed 32-bit rollover
    [InlineData(0x8000_0000u, 0u, 2_147_483_648_000_000_000L)]   // 2038-01-19T03:14:08Z
    [InlineData(0xFFFF_FFFFu, 999_999u, 4_294_967_295_999_999_000L)]   // 2106-02-07T06:28:15Z
    public void Seconds_are_unsigned_so_dates_after_2038_are_right(uint seconds, uint micros, long expectedNanos)
    {
        byte[] file = new PcapBuilder().Record(seconds, micros, Payload(20, 22)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out _));

        Assert.Equal(expectedNanos, packet.TimestampNanos);
    }

    [Fact]
    public void A_file_cut_inside_a_record_header_delivers_every_packet_before_it()
    {
        var builder = new PcapBuilder().Record(1, 0, Payload(50, 23)).Record(2, 0, Payload(60, 24));
        int cutRecordOffset = builder.Length;
        byte[] file = builder.Raw(1, 2, 3, 4, 5, 6, 7).ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(2, packets.Count);
        Assert.Equal(Payload(60, 24), packets[1].Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning);
        Assert.Equal(cutRecordOffset, problem.Offset);
        Assert.Contains($"record header at offset {cutRecordOffset}: 16 bytes expected, 7 available", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_inside_record_data_says_how_many_bytes_were_expected_and_available()
    {
        var builder = new PcapBuilder().Record(1, 0, Payload(50, 25));
        int cutRecordOffset = builder.Length;
        byte[] whole = builder.Record(2, 0, Payload(100, 26)).ToArray();
        byte[] file = whole[..^60];

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(50, 25), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning);
        Assert.Equal(cutRecordOffset, problem.Offset);
        Assert.Contains("100 captured bytes expected after the 16-byte header, 40 available", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_inside_its_file_header_is_an_error()
    {
        byte[] file = new PcapBuilder().ToArray()[..10];

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.TruncatedRecord, ProblemSeverity.Error);
        Assert.Contains("24 bytes expected, 10 available", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_header_alone_is_a_clean_empty_capture()
    {
        Assert.Empty(ReadAll(new PcapBuilder().ToArray(), out CaptureFileSource source));

        AssertClean(source);
        Assert.Equal(CaptureFormat.Pcap, source.Format);
    }

    [Fact]
    public void A_zero_length_record_is_a_packet_with_no_bytes()
    {
        byte[] file = new PcapBuilder().Record(5, 6, [], originalLength: 60).Record(7, 8, Payload(3, 27)).ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(2, packets.Count);
        Assert.Empty(packets[0].Data);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(Payload(3, 27), packets[1].Data);
        AssertClean(source);
    }

    public static TheoryData<bool, int> CutCases() => new()
    {
        { false, (int)PcapVariant.Microsecond },
        { true, (int)PcapVariant.Nanosecond },
        { false, (int)PcapVariant.Modified },
        { true, (int)PcapVariant.Modified },
    };

    [Theory]
    [MemberData(nameof(CutCases))]
    public void Cut_at_every_offset_never_throws_and_never_loses_a_packet_before_the_cut(bool bigEndian, int variantNumber)
    {
        var builder = new PcapBuilder(bigEndian, (PcapVariant)variantNumber);
        var recordEnds = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            builder.Record((uint)(100 + i), (uint)i, Payload(13 + (i * 9), (byte)(30 + i)));
            recordEnds.Add(builder.Length);
        }

        byte[] whole = builder.ToArray();
        List<ReadPacket> all = ReadAll(whole, out CaptureFileSource wholeSource);
        AssertClean(wholeSource);

        for (int cut = 0; cut <= whole.Length; cut++)
        {
            foreach (int bufferSize in new[] { 16, 1 << 20 })
            {
                List<ReadPacket> packets = ReadAll(whole[..cut], out CaptureFileSource source, bufferSize);
                int complete = recordEnds.Count(end => end <= cut);
                Assert.Equal(all.Take(complete), packets);

                CaptureProblem? problem = source.StopProblem;
                if (cut < 4)
                {
                    Assert.Equal(CaptureProblemKind.NotACaptureFile, problem?.Kind);
                }
                else if (cut < PcapBuilder.FileHeaderLength)
                {
                    Assert.Equal(CaptureProblemKind.TruncatedRecord, problem?.Kind);
                    Assert.Equal(ProblemSeverity.Error, problem?.Severity);
                }
                else if (cut == PcapBuilder.FileHeaderLength || recordEnds.Contains(cut))
                {
                    AssertClean(source);
                }
                else
                {
                    Assert.Equal(CaptureProblemKind.TruncatedRecord, problem?.Kind);
                    Assert.Equal(ProblemSeverity.Warning, problem?.Severity);
                    int cutRecord = complete == 0 ? PcapBuilder.FileHeaderLength : recordEnds[complete - 1];
                    Assert.Equal(cutRecord, problem?.Offset);
                }
            }
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(4096)]
    public void Small_buffers_grow_and_compact_without_changing_what_is_read(int bufferSize)
    {
        var builder = new PcapBuilder(snapLength: 262_144);
        for (int i = 0; i < 60; i++)
        {
            builder.Record((uint)i, (uint)(i * 1000), Payload((i * 577) % 9000, (byte)i));
        }

        byte[] file = builder.ToArray();
        List<ReadPacket> expected = ReadAll(file, out _);

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source, bufferSize);

        Assert.Equal(expected, packets);
        Assert.Equal(60, packets.Count);
        AssertClean(source);
    }
}
