using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using Xunit.Abstractions;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>Finds shared/corpus by walking up from the test assembly's folder.</summary>
internal static class SharedCorpus
{
    public static readonly string? Directory = Find();

    public const string MissingReason = "shared/corpus was not found above the test assembly's folder: the corpus tests need the real captures";

    public static string PathOf(string folderAndFile) => Path.Combine(Directory!, folderAndFile);

    private static string? Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "corpus");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the corpus is absent.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (SharedCorpus.Directory is null)
        {
            Skip = SharedCorpus.MissingReason;
        }
    }
}

/// <summary>A theory that is skipped, with the reason, when the corpus is absent (its data is then never read).</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (SharedCorpus.Directory is null)
        {
            Skip = SharedCorpus.MissingReason;
        }
    }
}

/// <summary>
/// The decoder over the real captures in shared/corpus, read with the test-only
/// <see cref="MinimalPcapRecordsForDecoderTests"/> (classic pcap only; pcapng files wait for the real reader).
/// </summary>
public class CorpusDecodingTests(ITestOutputHelper output)
{
    private static readonly HashSet<int> SupportedLinkTypes =
    [
        LinkTypes.Null, LinkTypes.Ethernet, LinkTypes.Ppp, LinkTypes.Fddi, LinkTypes.RawBsd12, LinkTypes.RawBsd14, LinkTypes.PppHdlc,
        LinkTypes.Raw, LinkTypes.CiscoHdlc, LinkTypes.Ieee80211, LinkTypes.Loop, LinkTypes.LinuxSll, LinkTypes.PrismHeader,
        LinkTypes.Ieee80211Radiotap, LinkTypes.Ieee80211Avs, LinkTypes.Ppi, LinkTypes.Ipv4, LinkTypes.Ipv6, LinkTypes.Nflog, LinkTypes.LinuxSll2,
    ];

    /// <summary>
    /// Files where our TCP count differs from tshark's `tcp` column in MANIFEST.tsv, and why. Everything
    /// else must match the manifest exactly.
    /// </summary>
    private static readonly Dictionary<string, (int Tcp, string Why)> DefensibleDifferences = new()
    {
        // Three IPv4 fragments of one SYN; the first holds only 8 bytes of the TCP header (RFC 1858 tiny fragment).
        // tshark counts the SYN once it has reassembled it (frame 3); we do not reassemble, so all three are Fragment.
        ["suricata__frag-ppp-ip-tcp-syn.pcap"] = (0, "tshark reassembles the fragmented SYN; the decoder reports 3 Fragment"),
        // Note suricata__frag-ip-tcp.pcap matches (1) for a different frame: tshark counts the reassembled last
        // fragment, we count the first fragment, which holds the TCP header; the other two are Fragment.
    };

    public static TheoryData<string, int> WellformedClassicPcapsWithTcpCounts()
    {
        var data = new TheoryData<string, int>();
        string manifest = SharedCorpus.PathOf(Path.Combine("wellformed", "MANIFEST.tsv"));
        string[] lines = File.ReadAllLines(manifest);
        string[] columns = lines[0].Split('\t');
        int fileColumn = Array.IndexOf(columns, "filename");
        int formatColumn = Array.IndexOf(columns, "format");
        int tcpColumn = Array.IndexOf(columns, "tcp");
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split('\t');
            if (cells.Length > tcpColumn && cells[formatColumn].StartsWith("pcap ", StringComparison.Ordinal)
                && int.TryParse(cells[tcpColumn], out int tcp))
            {
                data.Add(cells[fileColumn], tcp);
            }
        }
        return data;
    }

    private static (int LinkType, DecodeCounters Counters, List<TcpSegment> Segments) DecodeFile(string folderAndFile)
    {
        byte[] file = File.ReadAllBytes(SharedCorpus.PathOf(folderAndFile));
        Assert.True(MinimalPcapRecordsForDecoderTests.TryRead(file, out int linkType, out var records), $"{folderAndFile} is not classic pcap");
        var counters = new DecodeCounters();
        var segments = new List<TcpSegment>();
        foreach (var record in records)
        {
            DecodeStatus status = PacketDecoder.Decode(file.AsSpan(record.DataOffset, record.Length), linkType, record.TimestampNanos, out TcpSegment segment);
            counters.Add(status);
            segments.Add(segment);
        }
        return (linkType, counters, segments);
    }

    private static string Summary(DecodeCounters counters) =>
        string.Join(", ", counters.NonZero().Select(pair => $"{pair.Key} {pair.Value}"));

    [CorpusFact]
    public void Every_record_of_every_classic_pcap_decodes_without_throwing()
    {
        int files = 0;
        long records = 0;
        foreach (string folder in new[] { "wellformed", "malformed" })
        {
            // By magic, not by name: several fuzzer files have no extension.
            foreach (string path in Directory.GetFiles(SharedCorpus.PathOf(folder)).Order(StringComparer.Ordinal))
            {
                byte[] file = File.ReadAllBytes(path);
                if (!MinimalPcapRecordsForDecoderTests.TryRead(file, out int linkType, out var recordList))
                {
                    continue;
                }
                files++;
                var counters = new DecodeCounters();
                foreach (var record in recordList)
                {
                    ReadOnlySpan<byte> frame = file.AsSpan(record.DataOffset, record.Length);
                    DecodeStatus status = PacketDecoder.Decode(frame, linkType, record.TimestampNanos, out TcpSegment segment);
                    counters.Add(status);
                    if (status == DecodeStatus.Tcp)
                    {
                        TruncatedAndFuzzedFrameTests.AssertInsideFrame(segment, frame.Length, Path.GetFileName(path));
                        Assert.Equal(record.TimestampNanos, segment.TimestampNanos);
                    }
                    TcpChecksum.Verify(frame, segment);
                    records++;
                }
                output.WriteLine($"{folder}/{Path.GetFileName(path)} [{LinkTypes.Name(linkType)}]: {Summary(counters)}");
            }
        }
        Assert.True(files >= 60, $"only {files} classic pcap files found");
        Assert.True(records >= 400, $"only {records} records decoded");
    }

    [CorpusTheory]
    [MemberData(nameof(WellformedClassicPcapsWithTcpCounts))]
    public void Tcp_count_matches_the_manifest(string fileName, int tsharkTcpCount)
    {
        var (linkType, counters, _) = DecodeFile(Path.Combine("wellformed", fileName));
        output.WriteLine($"{LinkTypes.Name(linkType)}: {Summary(counters)}; tshark tcp {tsharkTcpCount}");
        if (!SupportedLinkTypes.Contains(linkType))
        {
            // ARCNET, IPoIB, USER13: every frame must say so, whatever tshark made of them.
            Assert.Equal(counters.Total, counters[DecodeStatus.UnsupportedLinkType]);
            return;
        }
        int expected = DefensibleDifferences.TryGetValue(fileName, out var difference) ? difference.Tcp : tsharkTcpCount;
        Assert.Equal(expected, counters[DecodeStatus.Tcp]);
    }

    [CorpusTheory]
    [InlineData("wellformed/tcpdump__pptp.pcap", "Tcp 22, NotTcp 1")]            // one GRE-carried PPP LCP frame
    [InlineData("wellformed/arkime__mpls-basic.pcap", "Tcp 19, NotIp 6, NotTcp 33")] // loopback/CDP, EIGRP/UDP/ICMP
    [InlineData("wellformed/suricata__frag-ip-tcp.pcap", "Tcp 1, Fragment 2")]
    [InlineData("wellformed/suricata__frag-ppp-ip-tcp-syn.pcap", "Fragment 3")]
    [InlineData("wellformed/libpcap__http_PPI.pcap", "Tcp 1, NotIp 2, NotTcp 2")]      // PPI + 802.11: 2 management frames, 2 DNS
    [InlineData("wellformed/libpcap__ieee802.11_exthdr.pcap", "NotIp 10")]             // radiotap + 802.11 management frames
    [InlineData("wellformed/pcapparser__modified-format.pcap", "NotTcp 1")]
    [InlineData("malformed/pcpp__tcp-malformed.pcap", "Malformed 2")]               // data offset 7 in a 20-byte IP payload
    [InlineData("malformed/tcpdump__ipv4_invalid_hdr_length.pcap", "Malformed 1")]
    [InlineData("malformed/tcpdump__LINKTYPE_IPV4_invalid.pcap", "Malformed 1")]
    [InlineData("malformed/tcpdump__ipv6-bad-version.pcap", "NotTcp 2, Malformed 2")] // ICMPv6 twice, version 0 under 0x86DD twice
    [InlineData("malformed/tcpdump__ipv6_invalid_length.pcap", "Truncated 1")]
    [InlineData("malformed/tcpdump__tcp_header_heapoverflow.pcap", "Truncated 1")]  // 46 bytes captured, IP says 12336
    [InlineData("malformed/zeek__ipv4-truncated-broken-header.pcap", "Truncated 1")]
    [InlineData("malformed/zeek__truncated-header.pcap", "Tcp 24")]                 // options cut by snaplen: still TCP
    [InlineData("malformed/libpcap__slip-compressed_sl_print-oobr.pcap", "UnsupportedLinkType 1")]
    public void Known_files_decode_to_these_statuses(string folderAndFile, string expected)
    {
        Assert.Equal(expected, Summary(DecodeFile(folderAndFile).Counters));
    }

    [CorpusTheory]
    // tshark -o tcp.check_checksum:TRUE: nanosecs_big_endian was captured on the sender with checksum offload.
    [InlineData("wellformed/pcpp__nanosecs_big_endian.pcap", "Invalid 10")]
    [InlineData("wellformed/pcpp__one_tcp_rst.pcap", "Valid 1, Invalid 1")]         // the SYN is the bad one
    [InlineData("wellformed/pcpp__four_ipv6_http_streams.pcap", "Valid 81")]
    [InlineData("wellformed/pcpp__one_http_stream_rst.pcap", "Valid 10")]
    [InlineData("wellformed/arkime__mpls-basic.pcap", "Valid 19")]
    [InlineData("wellformed/suricata__hdlc-http_1tx.pcap", "Valid 17")]
    [InlineData("wellformed/suricata__decode-sll2-01__input.pcap", "Valid 5")]
    [InlineData("wellformed/tcpdump__tcp-handshake-nano.pcap", "Valid 3")]
    [InlineData("wellformed/tcpdump__mptcp-tcprst.pcap", "Valid 2")]
    [InlineData("wellformed/suricata__frag-ip-tcp.pcap", "NotVerifiable 1")]       // a first fragment: tshark checks the reassembled one
    [InlineData("malformed/tcpdump__tcp_rst_data-trunc.pcap", "NotVerifiable 1")]  // payload cut by snaplen
    public void Checksums_agree_with_tshark(string folderAndFile, string expected)
    {
        byte[] file = File.ReadAllBytes(SharedCorpus.PathOf(folderAndFile));
        Assert.True(MinimalPcapRecordsForDecoderTests.TryRead(file, out int linkType, out var records));
        var results = new SortedDictionary<TcpChecksumResult, int>();
        foreach (var record in records)
        {
            ReadOnlySpan<byte> frame = file.AsSpan(record.DataOffset, record.Length);
            if (PacketDecoder.Decode(frame, linkType, 0, out TcpSegment segment) == DecodeStatus.Tcp)
            {
                TcpChecksumResult result = TcpChecksum.Verify(frame, segment);
                results[result] = results.GetValueOrDefault(result) + 1;
            }
        }
        Assert.Equal(expected, string.Join(", ", results.Select(pair => $"{pair.Key} {pair.Value}")));
    }

    // Field values below were read from the same frames with tshark 4.0.

    [CorpusFact]
    public void Refused_connection_syn_and_padded_rst()
    {
        var (_, _, segments) = DecodeFile("wellformed/pcpp__one_tcp_rst.pcap");
        TcpSegment syn = segments[0];
        Assert.Equal("10.1.1.13", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("10.1.1.6", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(45264, syn.SourcePort);
        Assert.Equal(20000, syn.DestinationPort);
        Assert.Equal(3820339060u, syn.SequenceNumber);
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        Assert.Equal(64240, syn.Window);
        Assert.Equal(64, syn.Ttl);
        Assert.Equal(0x428d, syn.IpId);
        Assert.Equal(1460, syn.Mss);
        Assert.Equal(10, syn.WindowScale);
        Assert.Equal(926866234u, syn.TimestampValue);
        Assert.Equal(14 + 20 + 40, syn.PayloadOffset);

        TcpSegment rst = segments[1];
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal(3820339061u, rst.AcknowledgmentNumber);
        Assert.Equal(0, rst.Window);
        Assert.Equal(40, rst.IpTotalLength);
        Assert.Equal(0, rst.PayloadLength);
        Assert.Equal(0, rst.CapturedPayloadLength); // the 60-byte frame's padding is not payload
        Assert.True(rst.TimestampNanos > syn.TimestampNanos);
    }

    [CorpusFact]
    public void Qinq_and_pppoe_frames_keep_both_vlan_ids()
    {
        TcpSegment syn = DecodeFile("wellformed/pcpp__one_http_stream_rst.pcap").Segments[0];
        Assert.Equal(939, syn.Vlan);
        Assert.Equal(744, syn.InnerVlan);
        Assert.Equal("10.3.65.35", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("185.8.212.46", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(5068, syn.SourcePort);
        Assert.Equal(80, syn.DestinationPort);
        Assert.Equal(2631065158u, syn.SequenceNumber);
        Assert.Equal(1440, syn.Mss);
        Assert.Equal(8, syn.WindowScale);
        Assert.Equal(128, syn.Ttl);
        Assert.Equal(14 + 4 + 4 + 8, syn.IpHeaderOffset);
    }

    [CorpusFact]
    public void Single_vlan_rst_with_data()
    {
        TcpSegment syn = DecodeFile("wellformed/suricata__tcp-rst-with-data.pcap").Segments[0];
        Assert.Equal(6, syn.Vlan);
        Assert.Equal(0, syn.InnerVlan);
        Assert.Equal("1.1.1.1", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal(12345, syn.SourcePort);
        Assert.Equal(8080, syn.DestinationPort);
        Assert.Equal(1u, syn.SequenceNumber);
    }

    [CorpusFact]
    public void Linux_sll2_syn()
    {
        TcpSegment syn = DecodeFile("wellformed/suricata__decode-sll2-01__input.pcap").Segments[0];
        Assert.Equal(20, syn.IpHeaderOffset);
        Assert.Equal("192.168.1.253", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("192.168.1.21", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(56478, syn.SourcePort);
        Assert.Equal(2332771219u, syn.SequenceNumber);
        Assert.Equal(1460, syn.Mss);
        Assert.Equal(7, syn.WindowScale);
        Assert.Equal(3317596243u, syn.TimestampValue);
    }

    [CorpusFact]
    public void Raw_ipv6_on_linktype_12()
    {
        TcpSegment syn = DecodeFile("wellformed/pcpp__four_ipv6_http_streams.pcap").Segments[0];
        Assert.Equal("2001:618:400::5199:cc70", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("2001:618:1:8000::5", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(35995, syn.SourcePort);
        Assert.Equal(1793525558u, syn.SequenceNumber);
        Assert.Equal(1420, syn.Mss);
        Assert.Equal(2, syn.WindowScale);
        Assert.Equal(14490169u, syn.TimestampValue);
    }

    [CorpusFact]
    public void Mpls_syn()
    {
        TcpSegment syn = DecodeFile("wellformed/arkime__mpls-basic.pcap").Segments[31]; // frame 32
        Assert.Equal("10.1.2.1", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("10.34.0.1", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(11001, syn.SourcePort);
        Assert.Equal(23, syn.DestinationPort);
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        Assert.Equal(536, syn.Mss);
        Assert.Equal(255, syn.Ttl);
    }

    [CorpusFact]
    public void Ppi_80211_qos_data_syn()
    {
        // Frame 5: an 84-byte PPI header, a 26-byte QoS data header, LLC/SNAP, then IPv4.
        TcpSegment syn = DecodeFile("wellformed/libpcap__http_PPI.pcap").Segments[4];
        Assert.Equal(84 + 26 + 8, syn.IpHeaderOffset);
        Assert.Equal("192.168.1.132", IpAddress128.Format(syn.SourceAddress));
        Assert.Equal("130.192.73.1", IpAddress128.Format(syn.DestinationAddress));
        Assert.Equal(3827, syn.SourcePort);
        Assert.Equal(80, syn.DestinationPort);
        Assert.Equal(888888568u, syn.SequenceNumber);
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        Assert.Equal(128, syn.Ttl);
    }

    [CorpusFact]
    public void Snaplen_cut_rsts_count_their_payload_from_the_ip_length()
    {
        TcpSegment ethernetRst = DecodeFile("malformed/tcpdump__tcp_rst_data-trunc.pcap").Segments[0];
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, ethernetRst.Flags);
        Assert.Equal("199.204.31.89", IpAddress128.Format(ethernetRst.SourceAddress));
        Assert.Equal(58, ethernetRst.PayloadLength);
        Assert.Equal(57, ethernetRst.CapturedPayloadLength);

        TcpSegment loopbackRst = DecodeFile("malformed/tcpdump__tcp_rst_diag_payload-trunc.pcap").Segments[0];
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, loopbackRst.Flags);
        Assert.Equal(4, loopbackRst.IpHeaderOffset);
        Assert.Equal(8, loopbackRst.PayloadLength);
        Assert.Equal(6, loopbackRst.CapturedPayloadLength);
        Assert.Equal(255, loopbackRst.Ttl);
    }
}
