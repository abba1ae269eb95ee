using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

public class TcpDecodingTests
{
    private const int Raw = LinkTypes.Raw;

    private static TcpSegment DecodeWithOptions(string optionsHex, byte[]? payload = null) =>
        DecodeAssert.Tcp(Ipv4(Tcp(TcpFlags.Syn, options: Hex(optionsHex), payload: payload)), Raw);

    [Theory]
    [InlineData(TcpFlags.Fin)]
    [InlineData(TcpFlags.Syn)]
    [InlineData(TcpFlags.Rst)]
    [InlineData(TcpFlags.Psh)]
    [InlineData(TcpFlags.Ack)]
    [InlineData(TcpFlags.Urg)]
    [InlineData(TcpFlags.Ece)]
    [InlineData(TcpFlags.Cwr)]
    [InlineData(TcpFlags.Ns)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr)]
    [InlineData(TcpFlags.Rst | TcpFlags.Ack)]
    [InlineData(TcpFlags.None)]
    public void Each_flag_is_read_alone(TcpFlags flags)
    {
        TcpSegment segment = DecodeAssert.Tcp(Ipv4(Tcp(flags)), Raw);
        Assert.Equal(flags, segment.Flags);
    }

    [Fact]
    public void All_nine_flags_together_and_reserved_bits_ignored()
    {
        byte[] packet = Ipv4(Tcp((TcpFlags)0x1FF));
        packet[20 + 12] |= 0x0E; // the three reserved bits between data offset and NS
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg
            | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Ns, segment.Flags);
        Assert.True(segment.Has(TcpFlags.Ns));
        Assert.Equal(20, segment.TcpHeaderOffset);
        Assert.Equal(40, segment.PayloadOffset);
    }

    [Fact]
    public void Ports_sequence_acknowledgment_and_window_at_their_extremes()
    {
        byte[] packet = Ipv4(Tcp(sourcePort: 0, destinationPort: 65535, sequence: 0xFFFFFFFF, acknowledgment: 0, window: 0));
        TcpSegment segment = DecodeAssert.Tcp(packet, Raw);
        Assert.Equal(0, segment.SourcePort);
        Assert.Equal(65535, segment.DestinationPort);
        Assert.Equal(0xFFFFFFFFu, segment.SequenceNumber);
        Assert.Equal(0u, segment.AcknowledgmentNumber);
        Assert.Equal(0, segment.Window);
    }

    [Fact]
    public void Mss()
    {
        TcpSegment segment = DecodeWithOptions("0204 ffd7");
        Assert.Equal(TcpOptionsSeen.Mss, segment.Options);
        Assert.Equal(65495, segment.Mss);
    }

    [Fact]
    public void Window_scale_is_kept_as_sent_even_above_14()
    {
        Assert.Equal(7, DecodeWithOptions("010303 07").WindowScale);
        TcpSegment segment = DecodeWithOptions("030310");
        Assert.Equal(TcpOptionsSeen.WindowScale, segment.Options);
        Assert.Equal(16, segment.WindowScale);
    }

    [Fact]
    public void Sack_permitted()
    {
        TcpSegment segment = DecodeWithOptions("0402");
        Assert.Equal(TcpOptionsSeen.SackPermitted, segment.Options);
    }

    [Theory]
    [InlineData("0101 050a 00000064 000000c8")]                            // one block
    [InlineData("0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008")] // four blocks
    public void Sack(string options)
    {
        TcpSegment segment = DecodeWithOptions(options);
        Assert.Equal(TcpOptionsSeen.Sack, segment.Options);
    }

    [Fact]
    public void Timestamps()
    {
        TcpSegment segment = DecodeWithOptions("0101 080a 11223344 aabbccdd");
        Assert.Equal(TcpOptionsSeen.Timestamps, segment.Options);
        Assert.Equal(0x11223344u, segment.TimestampValue);
        Assert.Equal(0xAABBCCDDu, segment.TimestampEcho);
    }

    [Fact]
    public void All_options_of_a_linux_syn()
    {
        // MSS 1460, SACK permitted, timestamps, NOP, window scale 7: 20 bytes of options.
        TcpSegment segment = DecodeWithOptions("020405b4 0402 080a 0001e240 00000000 01 030307");
        Assert.Equal(TcpOptionsSeen.Mss | TcpOptionsSeen.SackPermitted | TcpOptionsSeen.Timestamps | TcpOptionsSeen.WindowScale, segment.Options);
        Assert.Equal(1460, segment.Mss);
        Assert.Equal(7, segment.WindowScale);
        Assert.Equal(123456u, segment.TimestampValue);
        Assert.Equal(0u, segment.TimestampEcho);
        Assert.Equal(60, segment.PayloadOffset);
    }

    [Fact]
    public void Every_option_kind_in_one_header()
    {
        TcpSegment segment = DecodeWithOptions("020405b4 030308 0402 080a 00000001 00000002 050a 00000010 00000020 01 00");
        Assert.Equal(TcpOptionsSeen.Mss | TcpOptionsSeen.WindowScale | TcpOptionsSeen.SackPermitted
            | TcpOptionsSeen.Timestamps | TcpOptionsSeen.Sack, segment.Options);
        Assert.Equal(8, segment.WindowScale);
        Assert.Equal(1u, segment.TimestampValue);
        Assert.Equal(2u, segment.TimestampEcho);
        Assert.Equal(20 + 20 + 32, segment.PayloadOffset); // 31 option bytes padded to 32
    }

    [Fact]
    public void Unknown_options_are_skipped_by_their_length()
    {
        // MPTCP (30) of 12 bytes, TCP Fast Open cookie (34) of 10, then MSS.
        TcpSegment segment = DecodeWithOptions("1e0c 0000 0102030405060708 220a 01020304050607 08 0204 0578");
        Assert.Equal(TcpOptionsSeen.Mss, segment.Options);
        Assert.Equal(1400, segment.Mss);
    }

    [Fact]
    public void End_of_option_list_stops_parsing()
    {
        TcpSegment segment = DecodeWithOptions("0402 00 00 020405b4");
        Assert.Equal(TcpOptionsSeen.SackPermitted, segment.Options);
        Assert.Equal(0, segment.Mss);
    }

    [Theory]
    [InlineData("020405b4 0800 0101")]         // length 0 would loop forever
    [InlineData("020405b4 0801 0101")]         // length 1 is shorter than kind and length
    [InlineData("020405b4 08ff 0101")]         // length beyond the header
    [InlineData("020405b4 0305 0000 00 0402")] // window scale of length 5
    [InlineData("020405b4 080c 00000000 00000000 0000")] // timestamps of length 12
    [InlineData("020405b4 0509 00000000 00000000 00")]   // SACK not a whole number of blocks
    [InlineData("020405b4 0403 00 01")]         // SACK permitted of length 3
    [InlineData("020405b4 9f")]                 // kind in the last byte, no length
    public void Garbage_option_lengths_stop_parsing_but_keep_the_segment_and_earlier_options(string options)
    {
        TcpSegment segment = DecodeWithOptions(options, payload: Hex("0102"));
        Assert.Equal(TcpOptionsSeen.Mss, segment.Options);
        Assert.Equal(1460, segment.Mss);
        Assert.Equal(0u, segment.TimestampValue);
        Assert.Equal(2, segment.PayloadLength);
    }

    [Fact]
    public void Mss_of_wrong_length_is_not_recorded()
    {
        TcpSegment segment = DecodeWithOptions("0205 05b4 00 0402");
        Assert.Equal(TcpOptionsSeen.None, segment.Options);
        Assert.Equal(0, segment.Mss);
    }

    [Fact]
    public void Options_cut_by_snaplen_parse_what_is_there()
    {
        byte[] packet = Ipv4(Tcp(TcpFlags.Syn, options: Hex("020405b4 0402 080a 0001e240 00000000 01 030307"), payload: new byte[100]));
        // Cut inside the timestamps option: 20 IP + 20 TCP + 4 MSS + 2 SACK-permitted + 5 timestamp bytes.
        TcpSegment segment = DecodeAssert.Tcp(packet[..51], Raw);
        Assert.Equal(TcpOptionsSeen.Mss | TcpOptionsSeen.SackPermitted, segment.Options);
        Assert.Equal(1460, segment.Mss);
        Assert.Equal(100, segment.PayloadLength);
        Assert.Equal(0, segment.CapturedPayloadLength);
        Assert.Equal(60, segment.PayloadOffset);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(0)]
    [InlineData(1)]
    public void Data_offset_below_five_is_malformed_but_the_ports_are_kept(int words)
    {
        byte[] packet = Ipv4(Tcp(dataOffsetWords: words, payload: new byte[8]));
        DecodeStatus status = PacketDecoder.Decode(packet, Raw, 0, out TcpSegment segment);
        Assert.Equal(DecodeStatus.Malformed, status);
        Assert.Equal(49152, segment.SourcePort);
        Assert.Equal(443, segment.DestinationPort);
    }

    [Fact]
    public void Data_offset_beyond_the_ip_payload_is_malformed()
    {
        // Data offset 15 (60 bytes) in a 20-byte TCP segment with 20 bytes of payload: 40 < 60.
        DecodeAssert.Status(DecodeStatus.Malformed, Ipv4(Tcp(dataOffsetWords: 15, payload: new byte[20])), Raw);
    }

    [Fact]
    public void Data_offset_equal_to_the_ip_payload_gives_an_empty_payload()
    {
        TcpSegment segment = DecodeAssert.Tcp(Ipv4(Tcp(dataOffsetWords: 15, payload: new byte[40])), Raw);
        Assert.Equal(0, segment.PayloadLength);
        Assert.Equal(80, segment.PayloadOffset);
    }

    [Fact]
    public void Tcp_header_cut_below_20_bytes_is_truncated()
    {
        byte[] packet = Ipv4(SampleTcp());
        DecodeAssert.Status(DecodeStatus.Truncated, packet[..39], Raw);
        DecodeAssert.Status(DecodeStatus.Truncated, packet[..20], Raw);
        DecodeAssert.Status(DecodeStatus.Tcp, packet[..40], Raw);
    }
}
