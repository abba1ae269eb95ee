using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// Cut and damaged frames: the decoder must answer with a status, never throw, never read past the
/// span (a span read out of bounds throws, so "no exception" also proves "no out-of-bounds read").
/// </summary>
public class TruncatedAndFuzzedFrameTests
{
    private const byte HopByHop = 0, Tcp6 = 6, Routing = 43, Fragment = 44;

    /// <summary>Frames with a fixed IP length, named for the test output, each with its link type.</summary>
    public static IEnumerable<(string Name, int LinkType, byte[] Frame)> SampleFrames()
    {
        byte[] allOptionsTcp = Tcp(TcpFlags.Syn, options: Hex("020405b4 0402 080a 0001e240 00000000 01 030307"), payload: new byte[9]);
        byte[] ipv6WithExtensions = Ipv6(
            Concat(OptionsHeader(Routing), RoutingHeader(Fragment, "2001:db8::99"), FragmentHeader(Tcp6, 0, false), SampleTcp()),
            nextHeader: HopByHop);
        byte[] ipv4WithOptions = Ipv4(allOptionsTcp, options: Hex("01010100"));

        yield return ("ethernet-ipv4", LinkTypes.Ethernet, Ethernet(0x0800, SampleIpv4Tcp()));
        yield return ("vlan-ipv6-extensions", LinkTypes.Ethernet, Ethernet(0x8100, Concat(VlanTag(9, 0x86DD), ipv6WithExtensions)));
        yield return ("qinq-pppoe-ipv4-options", LinkTypes.Ethernet,
            Ethernet(0x88A8, Concat(VlanTag(1, 0x8100), VlanTag(2, 0x8864), PppoeSession(0x0021, ipv4WithOptions))));
        yield return ("mpls-two-labels-ipv4", LinkTypes.Ethernet,
            Ethernet(0x8847, Concat(MplsLabel(1, false), MplsLabel(2, true), SampleIpv4Tcp())));
        yield return ("raw-ipv6-ah", LinkTypes.Raw, Ipv6(Concat(AuthenticationHeader(Tcp6), SampleTcp()), nextHeader: 51));
        yield return ("null-ipv4", LinkTypes.Null, Concat(U32LittleEndian(2), SampleIpv4Tcp()));
        yield return ("loop-ipv6", LinkTypes.Loop, Concat(U32(30), SampleIpv6Tcp()));
        yield return ("sll-vlan-ipv4", LinkTypes.LinuxSll, Sll(0x8100, Concat(VlanTag(3, 0x0800), SampleIpv4Tcp())));
        yield return ("sll2-ipv6", LinkTypes.LinuxSll2, Sll2(0x86DD, SampleIpv6Tcp()));
        yield return ("ppp-ipv4", LinkTypes.Ppp, Concat(Hex("ff030021"), ipv4WithOptions));
        yield return ("chdlc-ipv6", LinkTypes.CiscoHdlc, Concat(Hex("0f0086dd"), SampleIpv6Tcp()));
        yield return ("ppi-ethernet-ipv4", LinkTypes.Ppi, Ppi(LinkTypes.Ethernet, Ethernet(0x0800, SampleIpv4Tcp())));
        yield return ("ipv4-linktype", LinkTypes.Ipv4, SampleIpv4Tcp());
        yield return ("ipv6-linktype", LinkTypes.Ipv6, SampleIpv6Tcp());
        foreach (var tunnelled in TunnelDecodingTests.TunnelFrames())
        {
            yield return tunnelled;
        }
        foreach (var sample in MoreLinkTypesDecodingTests.LinkFrames().Concat(Ieee80211DecodingTests.WirelessFrames()))
        {
            yield return sample;
        }
    }

    public static TheoryData<string> SampleFrameNames()
    {
        var names = new TheoryData<string>();
        foreach (var sample in SampleFrames())
        {
            names.Add(sample.Name);
        }
        return names;
    }

    [Theory]
    [MemberData(nameof(SampleFrameNames))]
    public void Cut_at_every_byte_offset_is_truncated_until_the_tcp_header_then_tcp_with_the_ip_length(string name)
    {
        var (_, linkType, frame) = SampleFrames().Single(sample => sample.Name == name);
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame, linkType, 0, out TcpSegment whole));
        int tcpFixedHeaderEnd = whole.TcpHeaderOffset + TcpHeader.MinimumLength;

        for (int cut = 0; cut < frame.Length; cut++)
        {
            DecodeStatus status = PacketDecoder.Decode(frame.AsSpan(0, cut), linkType, 0, out TcpSegment segment);
            if (cut < tcpFixedHeaderEnd)
            {
                Assert.True(status == DecodeStatus.Truncated, $"{name} cut at {cut}: {status}");
                continue;
            }
            Assert.True(status == DecodeStatus.Tcp, $"{name} cut at {cut}: {status}");
            Assert.Equal(whole.PayloadLength, segment.PayloadLength);
            Assert.Equal(whole.IpTotalLength, segment.IpTotalLength);
            Assert.Equal(whole.PayloadOffset, segment.PayloadOffset);
            Assert.Equal(Math.Max(0, cut - whole.PayloadOffset), segment.CapturedPayloadLength);
            Assert.Equal(whole.SequenceNumber, segment.SequenceNumber);
            Assert.Equal(whole.Flags, segment.Flags);
            Assert.Equal(whole.Vlan, segment.Vlan);
            Assert.Equal(whole.InnerVlan, segment.InnerVlan);
            Assert.Equal(segment.Options, segment.Options & whole.Options); // never more options than the whole header has
        }
    }

    [Fact]
    public void Cut_jumbogram_and_tso_frames_are_truncated_or_malformed_until_the_tcp_header_then_tcp()
    {
        // Their IP length comes from the capture, so a cut packet is a smaller packet: no "real size" to keep.
        byte[] jumbo = Ipv6(Concat(OptionsHeader(Tcp6, options: Hex("c204 00011000")), SampleTcp()), nextHeader: HopByHop, payloadLength: 0);
        byte[] tso = Ipv4(SampleTcp(), totalLength: 0);
        foreach (byte[] frame in new[] { jumbo, tso })
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame, LinkTypes.Raw, 0, out TcpSegment whole));
            for (int cut = 0; cut < frame.Length; cut++)
            {
                DecodeStatus status = PacketDecoder.Decode(frame.AsSpan(0, cut), LinkTypes.Raw, 0, out TcpSegment segment);
                if (cut < whole.PayloadOffset)
                {
                    Assert.True(status is DecodeStatus.Truncated or DecodeStatus.Malformed, $"cut at {cut}: {status}");
                }
                else
                {
                    Assert.Equal(DecodeStatus.Tcp, status);
                    Assert.Equal(cut - whole.PayloadOffset, segment.PayloadLength);
                    Assert.Equal(segment.PayloadLength, segment.CapturedPayloadLength);
                }
            }
        }
    }

    [Fact]
    public void Randomly_damaged_frames_never_throw_and_tcp_results_stay_inside_the_frame()
    {
        var random = new Random(20240607);
        int tcpResults = 0;
        foreach (var (name, linkType, original) in SampleFrames())
        {
            for (int round = 0; round < 3000; round++)
            {
                byte[] frame = (byte[])original.Clone();
                int damage = random.Next(1, 5);
                for (int i = 0; i < damage; i++)
                {
                    frame[random.Next(frame.Length)] = (byte)random.Next(256);
                }
                int length = random.Next(3) == 0 ? random.Next(frame.Length + 1) : frame.Length;
                if (PacketDecoder.Decode(frame.AsSpan(0, length), linkType, 0, out TcpSegment segment) == DecodeStatus.Tcp)
                {
                    tcpResults++;
                    AssertInsideFrame(segment, length, name);
                }
                TcpChecksum.Verify(frame.AsSpan(0, length), segment);
            }
        }
        Assert.True(tcpResults > 1000, $"only {tcpResults} damaged frames still decoded: the damage is too heavy to test the TCP path");
    }

    [Fact]
    public void Random_bytes_on_every_link_type_number_never_throw()
    {
        var random = new Random(7);
        var buffer = new byte[128];
        for (int linkType = -1; linkType <= 300; linkType++)
        {
            for (int round = 0; round < 200; round++)
            {
                random.NextBytes(buffer);
                // Steer some frames into IP so the deeper layers see garbage too.
                if (round % 2 == 0)
                {
                    buffer[random.Next(24)] = (byte)(random.Next(2) == 0 ? 0x45 : 0x60);
                }
                int length = random.Next(buffer.Length + 1);
                if (PacketDecoder.Decode(buffer.AsSpan(0, length), linkType, 0, out TcpSegment segment) == DecodeStatus.Tcp)
                {
                    AssertInsideFrame(segment, length, $"link type {linkType}");
                }
                TcpChecksum.Verify(buffer.AsSpan(0, length), segment);
            }
        }
    }

    internal static void AssertInsideFrame(in TcpSegment segment, int frameLength, string name)
    {
        Assert.True(segment.IpVersion is 4 or 6, name);
        Assert.InRange(segment.IpHeaderOffset, 0, segment.TcpHeaderOffset - 20);
        Assert.InRange(segment.TcpHeaderOffset + TcpHeader.MinimumLength, 0, frameLength);
        Assert.InRange(segment.PayloadOffset - segment.TcpHeaderOffset, TcpHeader.MinimumLength, TcpHeader.MaximumLength);
        Assert.InRange(segment.CapturedPayloadLength, 0, segment.PayloadLength);
        Assert.True(segment.CapturedPayloadLength == 0 || segment.PayloadOffset + segment.CapturedPayloadLength <= frameLength, name);
    }
}
