using PcapResetInspector.Core.Capture;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.LibPcap.Tests;

public class BpfFilterTests
{
    private static byte[] SynFrame(int linkType, ushort serverPort, string client = "10.0.0.1", string server = "10.0.0.2", TcpConversationOptions? options = null)
    {
        var builder = new TrafficBuilder(linkType: linkType);
        builder.Tcp(client, 50_000, server, serverPort, options).Syn();
        return builder.Frames[^1].Data;
    }

    private static (byte[] Syn, byte[] Rst) SynAndRst(int linkType)
    {
        var builder = new TrafficBuilder(linkType: linkType);
        TcpConversation conversation = builder.Tcp("10.0.0.1", 50_000, "10.0.0.2", 445).Syn();
        byte[] syn = builder.Frames[^1].Data;
        conversation.RefuseWithRst();
        return (syn, builder.Frames[^1].Data);
    }

    [LibPcapTheory]
    [InlineData(LinkTypes.Ethernet)]
    [InlineData(LinkTypes.Raw)]
    [InlineData(LinkTypes.LinuxSll)]
    public void PortFilter_MatchesPort445AndNot80(int linkType)
    {
        using BpfFilter filter = BpfFilter.Compile("tcp port 445", linkType);
        Assert.Equal(linkType, filter.LinkType);
        Assert.Equal("tcp port 445", filter.Expression);

        byte[] smb = SynFrame(linkType, 445);
        byte[] http = SynFrame(linkType, 80);
        Assert.True(filter.Matches(smb, smb.Length));
        Assert.False(filter.Matches(http, http.Length));
    }

    [LibPcapFact]
    public void RawIpFilesWithTheOldDltNumbers_CompileLikeLinkTypeRaw()
    {
        byte[] frame = SynFrame(LinkTypes.Raw, 445);
        using BpfFilter filter = BpfFilter.Compile("tcp port 445", LinkTypes.RawBsd12);
        Assert.True(filter.Matches(frame, frame.Length));
    }

    [LibPcapTheory]
    [InlineData(LinkTypes.Ethernet)]
    [InlineData(LinkTypes.Raw)]
    public void RstFlagFilter_MatchesTheRstAndNotTheSyn(int linkType)
    {
        (byte[] syn, byte[] rst) = SynAndRst(linkType);
        using BpfFilter filter = BpfFilter.Compile("tcp[tcpflags] & tcp-rst != 0", linkType);
        Assert.True(filter.Matches(rst, rst.Length));
        Assert.False(filter.Matches(syn, syn.Length));
    }

    [LibPcapTheory]
    [InlineData(LinkTypes.Ethernet)]
    [InlineData(LinkTypes.Raw)]
    public void Ip6Filter_TellsTheFamiliesApart(int linkType)
    {
        byte[] v6 = SynFrame(linkType, 445, "2001:db8::1", "2001:db8::2");
        byte[] v4 = SynFrame(linkType, 445);
        using BpfFilter ip6 = BpfFilter.Compile("ip6 and tcp port 445", linkType);
        using BpfFilter ip = BpfFilter.Compile("ip", linkType);
        Assert.True(ip6.Matches(v6, v6.Length));
        Assert.False(ip6.Matches(v4, v4.Length));
        Assert.True(ip.Matches(v4, v4.Length));
        Assert.False(ip.Matches(v6, v6.Length));
    }

    [LibPcapFact]
    public void VlanFilter_SeesTheTagInTheFrame()
    {
        byte[] tagged = SynFrame(LinkTypes.Ethernet, 445, options: new TcpConversationOptions { Vlan = 100 });
        byte[] untagged = SynFrame(LinkTypes.Ethernet, 445);
        using BpfFilter vlan100 = BpfFilter.Compile("vlan 100 and tcp port 445", LinkTypes.Ethernet);
        using BpfFilter vlan200 = BpfFilter.Compile("vlan 200", LinkTypes.Ethernet);
        using BpfFilter plainPort = BpfFilter.Compile("tcp port 445", LinkTypes.Ethernet);

        Assert.True(vlan100.Matches(tagged, tagged.Length));
        Assert.False(vlan100.Matches(untagged, untagged.Length));
        Assert.False(vlan200.Matches(tagged, tagged.Length));
        // Without "vlan" the program reads the TCP port at the untagged offsets, as tcpdump does.
        Assert.False(plainPort.Matches(tagged, tagged.Length));
        Assert.True(plainPort.Matches(untagged, untagged.Length));
    }

    [LibPcapFact]
    public void OriginalLength_ReachesTheProgramAsTheWireLength()
    {
        // "greater" tests the pcap_pkthdr len field, so this fails if the header layout puts it elsewhere.
        byte[] frame = SynFrame(LinkTypes.Ethernet, 445);
        using BpfFilter filter = BpfFilter.Compile("greater 1000", LinkTypes.Ethernet);
        Assert.False(filter.Matches(frame, frame.Length));
        Assert.True(filter.Matches(frame, 1500));
    }

    [LibPcapFact]
    public void CapturedLength_BoundsWhatTheProgramReads()
    {
        // Cut before the TCP ports, a port test cannot match (bpf_filter rejects loads past caplen).
        byte[] frame = SynFrame(LinkTypes.Ethernet, 445);
        using BpfFilter filter = BpfFilter.Compile("tcp port 445", LinkTypes.Ethernet);
        Assert.False(filter.Matches(frame.AsSpan(0, 34), frame.Length));
        Assert.False(filter.Matches(ReadOnlySpan<byte>.Empty, 60));
        Assert.True(filter.Matches(frame.AsSpan(0, 38), frame.Length));
    }

    [LibPcapTheory]
    [InlineData("tcp port 99999", "99999")]
    [InlineData("tcp and and", "syntax error")]
    public void BadExpression_ThrowsWithLibPcapsMessage(string expression, string expectedText)
    {
        var exception = Assert.Throws<BpfFilterException>(() => BpfFilter.Compile(expression, LinkTypes.Ethernet));
        Assert.Contains(expectedText, exception.LibPcapMessage, StringComparison.Ordinal);
        Assert.Contains(exception.LibPcapMessage, exception.Message, StringComparison.Ordinal);
        Assert.Equal(expression, exception.Expression);
        Assert.Equal(LinkTypes.Ethernet, exception.LinkType);
    }

    [LibPcapFact]
    public void Matches_AfterDispose_Throws()
    {
        BpfFilter filter = BpfFilter.Compile("tcp", LinkTypes.Ethernet);
        filter.Dispose();
        Assert.Throws<ObjectDisposedException>(() => filter.Matches([0x45], 1));
    }

    [LibPcapFact]
    public void Matches_AllocatesNothingInSteadyState()
    {
        byte[] match = SynFrame(LinkTypes.Ethernet, 445);
        byte[] miss = SynFrame(LinkTypes.Ethernet, 80);
        using BpfFilter filter = BpfFilter.Compile("tcp port 445 and tcp[tcpflags] & tcp-syn != 0", LinkTypes.Ethernet);
        int matched = 0;
        int loops = 0;
        void Loop()
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (filter.Matches(match, match.Length))
                    matched++;
                if (filter.Matches(miss, miss.Length))
                    matched++;
            }

            loops++;
        }

        Loop();   // warm-up: JIT, tiering, the marshalling stubs
        long allocated = SteadyStateAllocation.SmallestOf(5, Loop);
        Assert.Equal(0, allocated);
        Assert.Equal(loops * 10_000, matched);
    }
}
