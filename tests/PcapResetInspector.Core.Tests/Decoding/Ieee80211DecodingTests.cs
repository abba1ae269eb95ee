using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.LinkPacketBuilder;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>IEEE 802.11 data frames, bare and behind radiotap, Prism, AVS and PPI headers.</summary>
public class Ieee80211DecodingTests
{
    private const int DataHeader = 24, SnapHeader = 8;
    /// <summary>What <see cref="LinkPacketBuilder.Radiotap"/> writes without TSFT or extra present words.</summary>
    private const int PlainRadiotap = 14;

    /// <summary>One frame per radio header and 802.11 header shape, joining the cut-at-every-byte, fuzzing and allocation tests.</summary>
    public static IEnumerable<(string Name, int LinkType, byte[] Frame)> WirelessFrames()
    {
        yield return ("80211-data-ipv4", LinkTypes.Ieee80211, Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())));
        yield return ("80211-qos-wds-htc-ipv6", LinkTypes.Ieee80211,
            Ieee80211Data(Snap(0x86DD, SampleIpv6Tcp()), subtype: 8, fromDs: true, order: true));
        // One subframe only: the cut-at-every-byte test wants the frame to end with the IP packet.
        yield return ("80211-amsdu-ipv4", LinkTypes.Ieee80211,
            Ieee80211Data(AmsduSubframe(Snap(0x0800, SampleIpv4Tcp()), pad: false), subtype: 8, amsdu: true));
        yield return ("radiotap-tsft-datapad-qos-ipv4", LinkTypes.Ieee80211Radiotap,
            Radiotap(Ieee80211Data(Concat([0, 0], Snap(0x0800, SampleIpv4Tcp())), subtype: 8), flags: 0x20, tsft: true, extraPresentWords: 1));
        yield return ("prism-data-ipv4", LinkTypes.PrismHeader, Prism(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()))));
        yield return ("avs-qos-ipv6", LinkTypes.Ieee80211Avs, Avs(Ieee80211Data(Snap(0x86DD, SampleIpv6Tcp()), subtype: 8)));
        yield return ("ppi-80211-ipv4", LinkTypes.Ppi, Ppi(LinkTypes.Ieee80211, Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()), fromDs: true, toDs: false)));
    }

    private static TcpSegment Frame(string name)
    {
        var (_, linkType, frame) = WirelessFrames().Single(sample => sample.Name == name);
        return DecodeAssert.Tcp(frame, linkType);
    }

    [Fact]
    public void Data_frame_through_llc_snap()
    {
        DecodeAssert.SampleIpv4(Frame("80211-data-ipv4"), ipOffset: DataHeader + SnapHeader);
        DecodeAssert.SampleIpv4(Frame("ppi-80211-ipv4"), ipOffset: 20 + DataHeader + SnapHeader);
    }

    [Theory]
    // subtype, To DS, From DS, +HTC/Order, header length (IEEE 802.11-2020 §9.3.2.1)
    [InlineData(0, true, false, false, 24)]
    [InlineData(0, false, true, false, 24)]
    [InlineData(0, false, false, false, 24)]   // IBSS
    [InlineData(0, true, true, false, 30)]     // WDS / mesh: address 4
    [InlineData(0, true, false, true, 24)]     // Order in a non-QoS frame: no HT Control
    [InlineData(1, true, false, false, 24)]    // Data + CF-Ack
    [InlineData(8, true, false, false, 26)]    // QoS Data
    [InlineData(8, true, false, true, 30)]     // QoS Data with HT Control
    [InlineData(8, true, true, true, 36)]
    [InlineData(9, false, true, false, 26)]    // QoS Data + CF-Ack
    public void Header_length_follows_the_ds_bits_qos_and_htc(int subtype, bool toDs, bool fromDs, bool order, int headerLength)
    {
        byte[] frame = Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()), subtype, toDs, fromDs, order: order);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(frame, LinkTypes.Ieee80211), ipOffset: headerLength + SnapHeader);
    }

    [Theory]
    [InlineData(4, 2, 0)]   // Null (no data)
    [InlineData(12, 2, 0)]  // QoS Null
    [InlineData(6, 2, 0)]   // CF-Poll (no data)
    [InlineData(8, 0, 0)]   // management: action
    [InlineData(0, 0, 0)]   // management: association request
    [InlineData(13, 1, 0)]  // control: ACK
    [InlineData(0, 3, 0)]   // extension: DMG beacon
    [InlineData(0, 2, 1)]   // protocol version 1
    public void Frames_without_an_llc_body_are_not_ip(int subtype, int type, int version)
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()), subtype, type: type, version: version), LinkTypes.Ieee80211);
    }

    [Fact]
    public void Short_control_frames_are_not_ip_rather_than_truncated()
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Hex("d4000000 020000000001"), LinkTypes.Ieee80211); // ACK, 10 bytes
        DecodeAssert.Status(DecodeStatus.Truncated, Hex("d4"), LinkTypes.Ieee80211);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Protected_frames_are_encrypted_so_not_ip(int subtype)
    {
        // The body of a CCMP frame starts with its 8-byte header; even a body that looks like SNAP is ciphertext.
        byte[] frame = Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()), subtype, protectedFrame: true);
        DecodeAssert.Status(DecodeStatus.NotIp, frame, LinkTypes.Ieee80211);
    }

    [Fact]
    public void Llc_bodies_other_than_ip_are_not_ip()
    {
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee80211Data(Snap(0x888E, new byte[99])), LinkTypes.Ieee80211); // EAPOL
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee80211Data(Snap(0x0806, new byte[28])), LinkTypes.Ieee80211); // ARP
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee80211Data(Snap(0x2000, new byte[40], oui: 0x00000C)), LinkTypes.Ieee80211);
        DecodeAssert.Status(DecodeStatus.NotIp, Ieee80211Data(Concat(Hex("e0e003"), new byte[30])), LinkTypes.Ieee80211); // IPX
    }

    [Fact]
    public void Cut_headers_are_truncated()
    {
        byte[] qos = Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()), subtype: 8, order: true);
        foreach (int cut in new[] { 0, 1, 2, 23, 29, 30, 37 })
        {
            DecodeAssert.Status(DecodeStatus.Truncated, qos[..cut], LinkTypes.Ieee80211);
        }
    }

    [Fact]
    public void Amsdu_decodes_its_first_subframe()
    {
        DecodeAssert.SampleIpv4(Frame("80211-amsdu-ipv4"), ipOffset: 26 + 14 + SnapHeader);
        byte[] twoSubframes = Ieee80211Data(
            Concat(AmsduSubframe(Snap(0x0800, SampleIpv4Tcp())), AmsduSubframe(Snap(0x0806, new byte[28]), pad: false)), subtype: 8, amsdu: true);
        TcpSegment first = DecodeAssert.Tcp(twoSubframes, LinkTypes.Ieee80211);
        DecodeAssert.SampleIpv4(first, ipOffset: 26 + 14 + SnapHeader);
        // One frame gives one segment: an A-MSDU whose first subframe is ARP is not IP, whatever follows.
        byte[] arpFirst = Ieee80211Data(
            Concat(AmsduSubframe(Snap(0x0806, new byte[28])), AmsduSubframe(Snap(0x0800, SampleIpv4Tcp()), pad: false)), subtype: 8, amsdu: true);
        DecodeAssert.Status(DecodeStatus.NotIp, arpFirst, LinkTypes.Ieee80211);
        // The subframe's length bounds what is read: the IP packet in a 30-byte subframe is cut.
        byte[] cut = Ieee80211Data(Concat(DestinationMac, SourceMac, U16(30), Snap(0x0800, SampleIpv4Tcp())), subtype: 8, amsdu: true);
        DecodeAssert.Status(DecodeStatus.Truncated, cut, LinkTypes.Ieee80211);
        DecodeAssert.Status(DecodeStatus.Truncated, Ieee80211Data(new byte[13], subtype: 8, amsdu: true), LinkTypes.Ieee80211);
    }

    [Fact]
    public void Radiotap_skips_its_length_and_honours_datapad()
    {
        byte[] plain = Radiotap(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(plain, LinkTypes.Ieee80211Radiotap), ipOffset: PlainRadiotap + DataHeader + SnapHeader);

        // TSFT (8-aligned after two present words: 4 + 8 = 12, padded to 16) + 8, Flags, Rate, Channel = 30 bytes.
        // DATAPAD rounds the 26-byte QoS header up to 28.
        DecodeAssert.SampleIpv4(Frame("radiotap-tsft-datapad-qos-ipv4"), ipOffset: 30 + 28 + SnapHeader);

        // The same frame without DATAPAD reads the pad bytes as LLC: not IP.
        byte[] padNotAnnounced = Radiotap(Ieee80211Data(Concat([0, 0], Snap(0x0800, SampleIpv4Tcp())), subtype: 8), tsft: true, extraPresentWords: 1);
        DecodeAssert.Status(DecodeStatus.NotIp, padNotAnnounced, LinkTypes.Ieee80211Radiotap);

        // The FCS flag needs nothing: the 4 bytes after the IP packet are not read.
        byte[] withFcs = Concat(Radiotap(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())), flags: 0x10), Hex("deadbeef"));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(withFcs, LinkTypes.Ieee80211Radiotap), ipOffset: PlainRadiotap + DataHeader + SnapHeader);
    }

    [Fact]
    public void Radiotap_header_errors()
    {
        byte[] frame = Radiotap(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())));
        byte[] version1 = (byte[])frame.Clone();
        version1[0] = 1;
        DecodeAssert.Status(DecodeStatus.Malformed, version1, LinkTypes.Ieee80211Radiotap);
        byte[] tooShort = (byte[])frame.Clone();
        tooShort[2] = 6;
        DecodeAssert.Status(DecodeStatus.Malformed, tooShort, LinkTypes.Ieee80211Radiotap);
        // The Flags field announced but past it_len, and present words that never end inside it_len.
        DecodeAssert.Status(DecodeStatus.Malformed, Concat(Hex("0000 0800 02000000"), Ieee80211Data(Snap(0x0800, SampleIpv4Tcp()))), LinkTypes.Ieee80211Radiotap);
        DecodeAssert.Status(DecodeStatus.Malformed, Concat(Hex("0000 0c00 02000080 00000080"), new byte[40]), LinkTypes.Ieee80211Radiotap);
        DecodeAssert.Status(DecodeStatus.Truncated, frame[..7], LinkTypes.Ieee80211Radiotap);
        DecodeAssert.Status(DecodeStatus.Truncated, frame[..13], LinkTypes.Ieee80211Radiotap);
        // A bare 8-byte header with nothing present is fine.
        byte[] bare = Concat(Hex("0000 0800 00000000"), Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(bare, LinkTypes.Ieee80211Radiotap), ipOffset: 8 + DataHeader + SnapHeader);
    }

    [Fact]
    public void Prism_header_is_144_bytes_unless_it_is_an_avs_header()
    {
        DecodeAssert.SampleIpv4(Frame("prism-data-ipv4"), ipOffset: 144 + DataHeader + SnapHeader);
        DecodeAssert.Status(DecodeStatus.Truncated, new byte[143], LinkTypes.PrismHeader);
        byte[] avsUnderPrism = Avs(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())), magic: 0x8021_1002);
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(avsUnderPrism, LinkTypes.PrismHeader), ipOffset: 64 + DataHeader + SnapHeader);
    }

    [Fact]
    public void Avs_header_takes_the_length_it_gives()
    {
        DecodeAssert.SampleIpv6(Frame("avs-qos-ipv6"), ipOffset: 64 + 26 + SnapHeader);
        byte[] longer = Concat(Hex("80211001 00000048"), new byte[64], Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())));
        DecodeAssert.SampleIpv4(DecodeAssert.Tcp(longer, LinkTypes.Ieee80211Avs), ipOffset: 72 + DataHeader + SnapHeader);
        DecodeAssert.Status(DecodeStatus.Malformed, Avs(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())), magic: 0x1234_5678), LinkTypes.Ieee80211Avs);
        DecodeAssert.Status(DecodeStatus.Malformed, Avs(Ieee80211Data(Snap(0x0800, SampleIpv4Tcp())), length: 4), LinkTypes.Ieee80211Avs);
        DecodeAssert.Status(DecodeStatus.Truncated, Avs([], length: 4096), LinkTypes.Ieee80211Avs);
        DecodeAssert.Status(DecodeStatus.Truncated, Hex("80211001 0000"), LinkTypes.Ieee80211Avs);
    }
}
