using PcapResetInspector.Core.Capture;
using static PcapResetInspector.Core.Tests.Capture.CaptureTestKit;

namespace PcapResetInspector.Core.Tests.Capture;

public class PcapNgReaderTests
{
    private const long NanosPerSecond = 1_000_000_000;
    private const ulong MicrosAt2012 = 1_340_954_905_298_858;   // a microsecond tick count: 2012-06-29T07:28:25.298858Z

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_enhanced_packet_blocks_in_either_byte_order(bool bigEndian)
    {
        byte[] first = Payload(60, 1);
        byte[] second = Payload(1515, 2);   // not a multiple of 4: padded in the block
        byte[] file = new PcapNgBuilder()
            .Shb(bigEndian, options: [NgOption.Comment("made by a test")])
            .Idb(LinkTypes.Ethernet, 65535, NgOption.Name("eth0"))
            .Epb(0, MicrosAt2012, first)
            .Epb(0, MicrosAt2012 + 1_000_001, second, originalLength: 9000, options: [NgOption.Comment("a packet comment")])
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(CaptureFormat.PcapNg, source.Format);
        Assert.Equal(2, packets.Count);
        Assert.Equal(first, packets[0].Data);
        Assert.Equal(second, packets[1].Data);
        Assert.Equal((long)MicrosAt2012 * 1000, packets[0].TimestampNanos);
        Assert.Equal(((long)MicrosAt2012 + 1_000_001) * 1000, packets[1].TimestampNanos);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(9000, packets[1].OriginalLength);
        Assert.All(packets, packet => Assert.Equal(LinkTypes.Ethernet, packet.LinkType));
        Assert.All(packets, packet => Assert.Equal(0, packet.InterfaceId));
        Assert.All(packets, packet => Assert.Equal(PacketRecord.UnknownFcsLength, packet.FcsLength));
        CaptureInterface only = Assert.Single(source.Interfaces);
        Assert.Equal(new CaptureInterface(0, 0, LinkTypes.Ethernet, 65535, -1, 6, 0, "eth0"), only);
        AssertClean(source);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_interface_has_its_own_link_type_resolution_and_offset(bool bigEndian)
    {
        byte[] file = new PcapNgBuilder()
            .Shb(bigEndian)
            .Idb(LinkTypes.Ethernet, 0)                                                   // default 10^-6
            .Idb(LinkTypes.LinuxSll, 0, NgOption.TsResol(9))                              // 10^-9
            .Idb(LinkTypes.Raw, 0, NgOption.TsResol(0x88))                                // 2^-8
            .Idb(LinkTypes.Ipv4, 0, NgOption.TsResol(3), NgOption.TsOffset(1_000_000_000)) // 10^-3, +1e9 s
            .Idb(LinkTypes.Ipv6, 0, NgOption.TsOffset(-10))                               // 10^-6, -10 s
            .Epb(0, 1_519_128_000_195_312, Payload(10, 1))
            .Epb(1, 1_519_128_000_195_312_501, Payload(11, 2))
            .Epb(2, (1_519_128_000UL * 256) + 50, Payload(12, 3))   // 50/256 s = 0.1953125 s
            .Epb(3, 519_128_000_195, Payload(13, 4))
            .Epb(4, 1_519_128_010_195_312, Payload(14, 5))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([0, 1, 2, 3, 4], packets.Select(packet => packet.InterfaceId));
        Assert.Equal(
            [LinkTypes.Ethernet, LinkTypes.LinuxSll, LinkTypes.Raw, LinkTypes.Ipv4, LinkTypes.Ipv6],
            packets.Select(packet => packet.LinkType));
        Assert.Equal(
            [
                1_519_128_000_195_312_000,
                1_519_128_000_195_312_501,
                1_519_128_000_195_312_500,
                1_519_128_000_195_000_000,
                1_519_128_000_195_312_000,
            ],
            packets.Select(packet => packet.TimestampNanos));
        Assert.Equal(Payload(12, 3), packets[2].Data);
        Assert.Equal([6, 9, 0x88, 3, 6], source.Interfaces.Select(info => (int)info.TimestampResolution));
        Assert.Equal([0L, 0, 0, 1_000_000_000, -10], source.Interfaces.Select(info => info.TimestampOffsetSeconds));
        AssertClean(source);
    }

    [Theory]
    [InlineData((byte)0, 5UL, 5_000_000_000L)]
    [InlineData((byte)9, 123UL, 123L)]
    [InlineData((byte)12, 123_456_789UL, 123_456L)]
    [InlineData((byte)19, ulong.MaxValue, 1_844_674_407L)]              // 10^-19: divide by 10^10
    [InlineData((byte)28, ulong.MaxValue, 1L)]                          // 10^-28: divisor 10^19, the largest in 64 bits
    [InlineData((byte)29, ulong.MaxValue, 0L)]                          // divisor past 64 bits
    [InlineData((byte)127, ulong.MaxValue, 0L)]
    [InlineData((byte)0x80, 3UL, 3_000_000_000L)]                       // 2^0
    [InlineData((byte)0x94, 1UL << 20, 1_000_000_000L)]                 // 2^-20
    [InlineData((byte)0xBF, 1UL << 63, 1_000_000_000L)]                 // 2^-63
    [InlineData((byte)0xC0, ulong.MaxValue, 999_999_999L)]              // 2^-64: (2^64-1) * 1e9 >> 64
    [InlineData((byte)0xFF, ulong.MaxValue, 0L)]                        // 2^-127
    [InlineData((byte)6, 9_223_372_036_854_775UL, 9_223_372_036_854_775_000L)]   // the last microsecond a long can hold
    public void Every_resolution_converts_exactly_without_overflow(byte resolution, ulong ticks, long expectedNanos)
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0, NgOption.TsResol(resolution))
            .Epb(0, ticks, Payload(4, 1))
            .ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(expectedNanos, packet.TimestampNanos);
        AssertClean(source);
    }

    [Fact]
    public void A_timestamp_past_2262_is_clamped_with_one_warning()
    {
        // 10^10 seconds at one-second resolution: 1e19 ns, more than a long holds.
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0, NgOption.TsResol(0))
            .Epb(0, 10_000_000_000, Payload(4, 1))
            .Epb(0, 10_000_000_001, Payload(4, 2))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([long.MaxValue, long.MaxValue], packets.Select(packet => packet.TimestampNanos));
        Assert.Null(source.StopProblem);
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, warning.Kind);
        Assert.Contains("clamped", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tick_count_with_the_top_bit_set_that_does_not_fit_is_read_as_negative()
    {
        // What dumpcap 1.99 wrote in pcpp__pcapng-example.pcapng: 2^64 - 505425287 microseconds.
        ulong ticks = unchecked((ulong)-505_425_287L);
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.LinuxSll, 0)
            .Epb(0, ticks, Payload(4, 1))
            .Epb(0, ticks + 9, Payload(4, 2))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([-505_425_287_000L, -505_425_278_000L], packets.Select(packet => packet.TimestampNanos));
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        Assert.Contains("negative count -505425287", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fcs_length_comes_from_if_fcslen_in_bits()
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0, NgOption.FcsLen(32))
            .Idb(LinkTypes.Ethernet, 0, NgOption.FcsLen(0))
            .Idb(LinkTypes.Ethernet, 0)
            .Epb(0, 1, Payload(64, 1))
            .Epb(1, 2, Payload(64, 2))
            .Epb(2, 3, Payload(64, 3))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([4, 0, PacketRecord.UnknownFcsLength], packets.Select(packet => packet.FcsLength));
        Assert.Equal([4, 0, PacketRecord.UnknownFcsLength], source.Interfaces.Select(info => info.FcsLength));
        AssertClean(source);
    }

    [Fact]
    public void An_if_fcslen_that_is_not_whole_bytes_is_a_warning_and_unknown()
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0, NgOption.FcsLen(12))
            .Epb(0, 1, Payload(64, 1))
            .ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(PacketRecord.UnknownFcsLength, packet.FcsLength);
        Assert.Null(source.StopProblem);
        Assert.Equal(CaptureProblemKind.SuspiciousRecord, Assert.Single(source.Problems).Kind);
    }

    [Theory]
    [InlineData(9, 2)]
    [InlineData(14, 4)]
    public void A_timestamp_option_of_the_wrong_length_is_a_corrupt_block(ushort code, int length)
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0, NgOption.Bytes(code, new byte[length]))
            .Epb(0, 1, Payload(64, 1))
            .ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(28, problem.Offset);   // the IDB follows the 28-byte section header
        Assert.Contains($"option {code} has length {length}", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Simple_packet_blocks_use_interface_0_and_the_previous_timestamp(bool bigEndian)
    {
        byte[] file = new PcapNgBuilder()
            .Shb(bigEndian)
            .Idb(LinkTypes.Ethernet, 64)
            .Spb(Payload(40, 1), originalLength: 40)      // before any timestamp: 0
            .Epb(0, MicrosAt2012, Payload(20, 2))
            .Spb(Payload(72, 3), originalLength: 100)     // the snapshot length, 64, limits the captured length
            .Spb(Payload(42, 4), originalLength: 42)      // 42 bytes padded to 44: the original length limits it
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal(4, packets.Count);
        Assert.Equal(Payload(40, 1), packets[0].Data);
        Assert.Equal(0, packets[0].TimestampNanos);
        Assert.Equal(Payload(72, 3)[..64], packets[2].Data);
        Assert.Equal(100, packets[2].OriginalLength);
        Assert.Equal(Payload(42, 4), packets[3].Data);
        Assert.Equal([0L, (long)MicrosAt2012 * 1000, (long)MicrosAt2012 * 1000, (long)MicrosAt2012 * 1000], packets.Select(packet => packet.TimestampNanos));
        Assert.All(packets, packet => Assert.Equal(0, packet.InterfaceId));
        AssertClean(source);
    }

    [Fact]
    public void A_simple_packet_block_with_no_snapshot_length_is_limited_by_its_block()
    {
        // Original length 100, but the writer stored only 80 bytes (pcapng §4.4: the block length rules).
        byte[] file = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet, 0).Spb(Payload(80, 1), originalLength: 100).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(80, 1), packet.Data);
        Assert.Equal(100, packet.OriginalLength);
        AssertClean(source);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Obsolete_packet_blocks_are_read(bool bigEndian)
    {
        byte[] file = new PcapNgBuilder()
            .Shb(bigEndian)
            .Idb(LinkTypes.Ethernet, 0)
            .Idb(LinkTypes.Null, 0, NgOption.TsResol(9))
            .Pb(1, 1_234_567_890_123_456_789, Payload(33, 1), originalLength: 99)
            .ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(33, 1), packet.Data);
        Assert.Equal(99, packet.OriginalLength);
        Assert.Equal(1, packet.InterfaceId);
        Assert.Equal(LinkTypes.Null, packet.LinkType);
        Assert.Equal(1_234_567_890_123_456_789, packet.TimestampNanos);
        AssertClean(source);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blocks_that_hold_no_packet_are_skipped_by_their_length(bool bigEndian)
    {
        var builder = new PcapNgBuilder().Shb(bigEndian).Idb(LinkTypes.Ethernet, 0);
        byte[] file = builder
            .Block(PcapNgBuilder.NrbType, [.. builder.U32(0x0001_0008), 10, 0, 0, 1, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 0, 0, 0])
            .Epb(0, 1, Payload(20, 1))
            .Block(PcapNgBuilder.IsbType, [.. builder.U32(0), .. builder.U32(0), .. builder.U32(1)])
            .Block(PcapNgBuilder.DsbType, [.. builder.U32(0x544C534B), .. builder.U32(4), 1, 2, 3, 4])
            .Block(PcapNgBuilder.CustomType, [.. builder.U32(32473), .. Payload(17, 9), 0, 0, 0])
            .Block(PcapNgBuilder.CustomNoCopyType, [.. builder.U32(32473)])
            .Block(0x1234_5678, Payload(64, 10))
            .Block(0x8000_0001, [])
            .Epb(0, 2, Payload(21, 2))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([Payload(20, 1), Payload(21, 2)], packets.Select(packet => packet.Data));
        Assert.Equal([1000L, 2000L], packets.Select(packet => packet.TimestampNanos));
        AssertClean(source);
    }

    [Fact]
    public void Sections_may_switch_byte_order_and_each_starts_a_new_interface_list()
    {
        byte[] file = new PcapNgBuilder()
            .Shb(bigEndian: false)
            .Idb(LinkTypes.Ethernet, 0)
            .Idb(LinkTypes.Null, 0)
            .Epb(1, 10, Payload(10, 1))
            .Shb(bigEndian: true)
            .Idb(LinkTypes.Raw, 0, NgOption.TsResol(9))
            .Epb(0, 20, Payload(20, 2))
            .Spb(Payload(8, 3), 8)
            .Shb(bigEndian: false, minor: 2)
            .Idb(LinkTypes.Ipv6, 0)
            .Epb(0, 30, Payload(30, 4))
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([1, 2, 2, 3], packets.Select(packet => packet.InterfaceId));
        Assert.Equal([LinkTypes.Null, LinkTypes.Raw, LinkTypes.Raw, LinkTypes.Ipv6], packets.Select(packet => packet.LinkType));
        Assert.Equal([10_000L, 20, 20, 30_000], packets.Select(packet => packet.TimestampNanos));
        Assert.Equal(Payload(20, 2), packets[1].Data);
        Assert.Equal([0, 0, 1, 2], source.Interfaces.Select(info => info.Section));
        AssertClean(source);
    }

    [Fact]
    public void A_packet_naming_an_interface_of_an_earlier_section_is_a_corrupt_block()
    {
        var builder = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 0)
            .Idb(LinkTypes.Ethernet, 0)
            .Epb(1, 1, Payload(10, 1))
            .Shb(bigEndian: true)
            .Idb(LinkTypes.Raw, 0);
        int badBlockOffset = builder.Length;
        byte[] file = builder.Epb(1, 2, Payload(10, 2)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(10, 1), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(badBlockOffset, problem.Offset);
        Assert.Contains("names interface 1, but its section describes 1 interface", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PcapNgBuilder.EpbType)]
    [InlineData(PcapNgBuilder.SpbType)]
    [InlineData(PcapNgBuilder.PbType)]
    public void A_packet_before_any_interface_is_a_corrupt_block(uint type)
    {
        var builder = new PcapNgBuilder().Shb();
        byte[] file = (type switch
        {
            PcapNgBuilder.EpbType => builder.Epb(0, 1, Payload(10, 1)),
            PcapNgBuilder.SpbType => builder.Spb(Payload(10, 1), 10),
            _ => builder.Pb(0, 1, Payload(10, 1)),
        }).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(28, problem.Offset);
        Assert.Contains("describes 0 interfaces", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((ushort)1, (ushort)2)]
    [InlineData((ushort)1, (ushort)0)]
    public void Versions_1_0_and_1_2_are_read(ushort major, ushort minor)
    {
        byte[] file = new PcapNgBuilder().Shb(major: major, minor: minor).Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 1)).ToArray();

        Assert.Single(ReadAll(file, out CaptureFileSource source));

        AssertClean(source);
    }

    [Theory]
    [InlineData((ushort)1, (ushort)1)]
    [InlineData((ushort)0, (ushort)1)]
    [InlineData((ushort)2, (ushort)0)]
    public void Other_versions_are_unsupported(ushort major, ushort minor)
    {
        byte[] file = new PcapNgBuilder().Shb(major: major, minor: minor).Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 1)).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.UnsupportedVersion, ProblemSeverity.Error);
        Assert.Contains($"pcapng version {major}.{minor}", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_version_in_a_later_section_stops_after_the_packets_before_it()
    {
        var builder = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 1));
        int secondSection = builder.Length;
        byte[] file = builder.Shb(major: 2).Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 2)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(10, 1), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.UnsupportedVersion, ProblemSeverity.Error);
        Assert.Equal(secondSection, problem.Offset);
    }

    [Fact]
    public void A_bad_byte_order_magic_is_an_invalid_header()
    {
        byte[] file = new PcapNgBuilder().Shb().ToArray();
        file[8] = 0x11;

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.InvalidHeader, ProblemSeverity.Error);
        Assert.Contains("byte-order magic 113C2B1A", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8u, "less than the minimum of 12")]
    [InlineData(30u, "not a multiple of 4")]
    [InlineData((256u * 1024 * 1024) + 4, "more than the maximum of 268435456")]
    [InlineData(uint.MaxValue - 3, "more than the maximum")]
    public void Impossible_block_lengths_stop_with_the_block_offset(uint totalLength, string why)
    {
        var builder = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 1));
        int badBlock = builder.Length;
        byte[] file = builder.Block(PcapNgBuilder.EpbType, new byte[40], totalLength: totalLength).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(10, 1), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error);
        Assert.Equal(badBlock, problem.Offset);
        Assert.Contains($"total length {totalLength}: {why}", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_header_shorter_than_its_fields_is_an_impossible_length()
    {
        byte[] file = new PcapNgBuilder().Shb().ToArray();
        file[4] = 24;   // little-endian total length 24 < 28

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        AssertStoppedWith(source, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error);
    }

    [Theory]
    [InlineData(PcapNgBuilder.EpbType)]
    [InlineData(PcapNgBuilder.NrbType)]
    [InlineData(PcapNgBuilder.IdbType)]
    [InlineData(PcapNgBuilder.ShbType)]
    public void A_trailing_length_that_differs_is_a_corrupt_block(uint type)
    {
        var builder = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet).Epb(0, 1, Payload(10, 1));
        int badBlock = builder.Length;
        byte[] body = type == PcapNgBuilder.ShbType
            ? [0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, .. new byte[8]]
            : new byte[24];
        byte[] file = builder.Block(type, body, trailer: 40).Epb(0, 2, Payload(10, 2)).ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source));

        Assert.Equal(Payload(10, 1), packet.Data);
        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(badBlock, problem.Offset);
        Assert.Contains("total length 36 at its start but 40 at its end", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_enhanced_packet_block_too_small_for_its_captured_length_is_a_corrupt_block()
    {
        var builder = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet);
        int badBlock = builder.Length;
        byte[] file = builder.Epb(0, 1, Payload(8, 1), originalLength: 65536, capturedLengthField: 65536).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(badBlock, problem.Offset);
        Assert.Contains("total block length 40 is too small for 65536 bytes of packet data", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_packet_block_shorter_than_its_fixed_fields_is_a_corrupt_block()
    {
        byte[] file = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet).Block(PcapNgBuilder.EpbType, new byte[12]).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Contains("total length 24, less than the 32", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PcapNgBuilder.IdbType)]
    [InlineData(PcapNgBuilder.ShbType)]
    public void An_option_running_past_its_block_is_a_corrupt_block(uint type)
    {
        // Fixed fields, then option 2 claiming 100 bytes with only 8 left in the block.
        var builder = new PcapNgBuilder().Shb();
        int badBlock = builder.Length;
        byte[] fixedFields = type == PcapNgBuilder.IdbType
            ? [1, 0, 0, 0, 0, 0, 0, 0]
            : [0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] file = builder.Block(type, [.. fixedFields, 2, 0, 100, 0, 1, 2, 3, 4, 5, 6, 7, 8]).ToArray();

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.CorruptBlock, ProblemSeverity.Error);
        Assert.Equal(badBlock, problem.Offset);
        Assert.Contains($"option 2 of length 100 at block byte {8 + fixedFields.Length}", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_header_alone_is_a_clean_empty_capture()
    {
        Assert.Empty(ReadAll(new PcapNgBuilder().Shb().ToArray(), out CaptureFileSource source));

        AssertClean(source);
        Assert.Empty(source.Interfaces);
    }

    [Fact]
    public void Captured_beyond_snapshot_or_original_length_is_read_with_one_warning_each()
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet, 16)
            .Epb(0, 1, Payload(20, 1))
            .Epb(0, 2, Payload(30, 2), originalLength: 10)
            .Epb(0, 3, Payload(40, 3), originalLength: 10)
            .ToArray();

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source);

        Assert.Equal([20, 30, 40], packets.Select(packet => packet.Data.Length));
        Assert.Null(source.StopProblem);
        Assert.Equal(2, source.Problems.Count);
        Assert.All(source.Problems, problem => Assert.Equal(CaptureProblemKind.SuspiciousRecord, problem.Kind));
        Assert.Contains("snapshot length 16", source.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("original length 10", source.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_inside_its_first_section_header_is_an_error()
    {
        byte[] file = new PcapNgBuilder().Shb().ToArray()[..20];

        Assert.Empty(ReadAll(file, out CaptureFileSource source));

        CaptureProblem problem = AssertStoppedWith(source, CaptureProblemKind.TruncatedRecord, ProblemSeverity.Error);
        Assert.Contains("28 bytes expected, 20 available", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cut_at_every_offset_never_throws_and_never_loses_a_packet_before_the_cut(bool bigEndian)
    {
        var builder = new PcapNgBuilder();
        var blockEnds = new List<int>();
        var packetBlockEnds = new List<int>();
        builder.Shb(bigEndian, options: [NgOption.Comment("x")]);
        int firstSectionEnd = builder.Length;
        blockEnds.Add(builder.Length);
        builder.Idb(LinkTypes.Ethernet, 0, NgOption.TsResol(9));
        blockEnds.Add(builder.Length);
        builder.Epb(0, 111, Payload(21, 1));
        blockEnds.Add(builder.Length);
        packetBlockEnds.Add(builder.Length);
        builder.Block(PcapNgBuilder.CustomType, [.. builder.U32(32473), 1, 2, 3, 4]);
        blockEnds.Add(builder.Length);
        builder.Spb(Payload(9, 2), 9);
        blockEnds.Add(builder.Length);
        packetBlockEnds.Add(builder.Length);
        builder.Shb(!bigEndian);
        blockEnds.Add(builder.Length);
        builder.Idb(LinkTypes.Raw, 0);
        blockEnds.Add(builder.Length);
        builder.Pb(0, 222, Payload(17, 3));
        blockEnds.Add(builder.Length);
        packetBlockEnds.Add(builder.Length);

        byte[] whole = builder.ToArray();
        List<ReadPacket> all = ReadAll(whole, out CaptureFileSource wholeSource);
        Assert.Equal(3, all.Count);
        AssertClean(wholeSource);

        for (int cut = 0; cut <= whole.Length; cut++)
        {
            foreach (int bufferSize in new[] { 16, 1 << 20 })
            {
                List<ReadPacket> packets = ReadAll(whole[..cut], out CaptureFileSource source, bufferSize);
                Assert.Equal(all.Take(packetBlockEnds.Count(end => end <= cut)), packets);

                CaptureProblem? problem = source.StopProblem;
                if (cut < 4)
                {
                    Assert.Equal(CaptureProblemKind.NotACaptureFile, problem?.Kind);
                }
                else if (cut < firstSectionEnd)
                {
                    Assert.Equal(CaptureProblemKind.TruncatedRecord, problem?.Kind);
                    Assert.Equal(ProblemSeverity.Error, problem?.Severity);
                    Assert.Equal(0, problem?.Offset);
                }
                else if (blockEnds.Contains(cut))
                {
                    AssertClean(source);
                }
                else
                {
                    Assert.Equal(CaptureProblemKind.TruncatedRecord, problem?.Kind);
                    Assert.Equal(ProblemSeverity.Warning, problem?.Severity);
                    Assert.Equal(blockEnds.Last(end => end < cut), problem?.Offset);
                }
            }
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Small_buffers_grow_skip_and_compact_without_changing_what_is_read(int bufferSize)
    {
        var builder = new PcapNgBuilder().Shb().Idb(LinkTypes.Ethernet, 0).Idb(LinkTypes.Raw, 0, NgOption.TsResol(9));
        for (int i = 0; i < 40; i++)
        {
            builder.Epb((uint)(i % 2), (ulong)i * 1000, Payload((i * 733) % 12_000, (byte)i));
            if (i % 7 == 0)
            {
                builder.Block(PcapNgBuilder.CustomType, [.. builder.U32(32473), .. Payload(5000 + (4 * i), (byte)i)]);
            }
        }

        byte[] file = builder.ToArray();
        List<ReadPacket> expected = ReadAll(file, out _);

        List<ReadPacket> packets = ReadAll(file, out CaptureFileSource source, bufferSize);

        Assert.Equal(40, expected.Count);
        Assert.Equal(expected, packets);
        AssertClean(source);
    }

    [Fact]
    public void A_skipped_block_is_not_buffered_whole()
    {
        byte[] file = new PcapNgBuilder()
            .Shb()
            .Idb(LinkTypes.Ethernet)
            .Block(PcapNgBuilder.CustomType, new byte[100_000])
            .Epb(0, 5, Payload(30, 1))
            .ToArray();

        ReadPacket packet = Assert.Single(ReadAll(file, out CaptureFileSource source, bufferSize: 256));

        Assert.Equal(Payload(30, 1), packet.Data);
        Assert.True(source.BufferCapacity <= 256, $"buffer grew to {source.BufferCapacity} bytes to skip a block");
        AssertClean(source);
    }
}
