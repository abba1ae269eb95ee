using PcapResetInspector.Core.Tests.Capture;
using PcapResetInspector.Testing.Synthesis;
using Xunit.Abstractions;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// PacketDotNet as the oracle of our decoder: every frame of the shared corpus and of the generated captures.
/// </summary>
public class PacketDotNetOracleTests(ITestOutputHelper output)
{
    /// <summary>Every kind of disagreement seen, with why it is not a bug of ours.</summary>
    private static readonly Dictionary<string, string> Explained = new()
    {
        ["PacketDotNet threw ArgumentException reading the TCP fields; ours: Tcp, payload cut by the snapshot length"] =
            "PacketDotNet limitation: PayloadData copies as many bytes as the IP length claims from a frame the snapshot length cut " +
            "short (pcpp pcapng-example was taken with a small snaplen), and throws; we count the captured payload and keep the wire length apart",
        ["PacketDotNet threw IndexOutOfRangeException reading the TCP fields; ours: Tcp, payload cut by the snapshot length"] =
            "the same limitation on Zeek's truncated-header trace (tshark reads these 24 frames as TCP)",
        ["PacketDotNet threw IndexOutOfRangeException reading the TCP fields; ours: Tcp, the TCP header's options cut by the capture"] =
            "PacketDotNet reads options past the captured bytes and throws; we keep the fixed 20-byte header (RFC 9293 section 3.1) and " +
            "mark the options unread, as tshark does ([Packet size limited during capture])",
        ["PacketDotNet threw ArgumentException reading the TCP fields; ours: Tcp, the TCP header's options cut by the capture"] = "as above",
        ["PacketDotNet threw NotImplementedException (link type C_HDLC) parsing; ours: Tcp"] =
            "PacketDotNet limitation: no Cisco HDLC (LINKTYPE_C_HDLC, 104) parser; tshark reads these 17 frames as TCP, as we do",
        ["only ours finds TCP (link type EN10MB)"] =
            "PacketDotNet limitation: EthernetPacket has no case for MPLS (EtherType 0x8847) and stops at the label stack; " +
            "we follow the labels (RFC 3032) to the IP packet; these are the MPLS frames of arkime mpls-basic",
        ["payload length differs: PacketDotNet counts less"] =
            "a fuzzer's IPv4 header with total length 0: we take it as captured before TCP segmentation offload (the NIC fills the " +
            "length in, Wireshark reads it the same way) and count the captured payload; PacketDotNet takes 0 literally",
        ["only PacketDotNet finds TCP (ours: Malformed)"] =
            "suricata fuzz.pcap: a TCP data offset of 0, below the minimum of 5 words (RFC 9293 section 3.1); we reject it, tshark " +
            "counts no TCP there, PacketDotNet accepts a 0-byte header",
        ["PacketDotNet threw NotImplementedException (link type LINKTYPE_242) parsing; ours: UnsupportedLinkType"] =
            "neither decodes IP over InfiniBand; PacketDotNet throws where we return a status",
        ["PacketDotNet threw NotImplementedException (link type LINKTYPE_129) parsing; ours: UnsupportedLinkType"] =
            "neither decodes ARCNET; PacketDotNet throws where we return a status",
        ["PacketDotNet threw NotImplementedException (link type LINKTYPE_160) parsing; ours: UnsupportedLinkType"] =
            "a user-defined link type: neither can decode it",
        ["PacketDotNet threw NotImplementedException (link type LINKTYPE_8) parsing; ours: UnsupportedLinkType"] =
            "neither decodes SLIP",
        ["PacketDotNet threw NotImplementedException (link type NULL) parsing; ours: Truncated"] =
            "a fuzzer's BSD loopback frame shorter than its 4-byte header: both reject it, PacketDotNet by throwing",
        ["PacketDotNet threw IndexOutOfRangeException parsing; ours: Truncated"] =
            "malformed files whose headers run past the captured bytes: both reject them, PacketDotNet by throwing",
        ["PacketDotNet threw IndexOutOfRangeException parsing; ours: Malformed"] =
            "a fuzzer's frame with inconsistent header lengths: both reject it, PacketDotNet by throwing",
        ["PacketDotNet threw InvalidOperationException parsing; ours: Malformed"] =
            "pcpp ipv4-malformed: IPv4 headers whose lengths do not hold together (RFC 791); both reject them, PacketDotNet by throwing",
        ["PacketDotNet threw ArgumentException reading the TCP fields; ours: Malformed"] =
            "pcpp tcp-malformed: a TCP data offset of 7 words in an IP packet with room for 5; both reject it, PacketDotNet by throwing",
    };

    [Fact]
    public void EveryFrame_DecodesAlike_OrDisagreesForAKnownReason()
    {
        var oracle = new PacketDotNetOracle();
        string captures = Path.Combine(RepositoryRoot(), "captures");
        foreach (string file in Directory.GetFiles(captures, "*.pcap*").Order(StringComparer.Ordinal))
            oracle.Compare(file, "captures/" + Path.GetFileName(file));
        foreach (CaptureProfile profile in Enum.GetValues<CaptureProfile>())
        {
            string generated = Path.Combine(Path.GetTempPath(), $"oracle-{profile}-{Environment.ProcessId}.pcap");
            File.WriteAllBytes(generated, CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = 7, MaxPackets = 20_000 }));
            try
            {
                oracle.Compare(generated, "generated " + profile);
            }
            finally
            {
                File.Delete(generated);
            }
        }

        if (Corpus.Directory is null)
            output.WriteLine("shared corpus skipped: " + Corpus.SkipReason);
        else
        {
            foreach (string folder in new[] { "wellformed", "malformed" })
            {
                foreach (string file in Directory.GetFiles(Path.Combine(Corpus.Directory, folder)).Where(f => !f.EndsWith(".tsv", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                    oracle.Compare(file, folder + "/" + Path.GetFileName(file));
            }
        }

        output.WriteLine($"{oracle.Frames} frames, {oracle.BothTcp} TCP in both, {oracle.Agreed} alike in every field");
        foreach ((string kind, List<string> examples) in oracle.Disagreements.OrderByDescending(pair => pair.Value.Count))
        {
            output.WriteLine($"{examples.Count,8}  {kind}: {string.Join(", ", examples.Take(4))}");
            output.WriteLine($"          why: {Explained.GetValueOrDefault(kind, "NOT EXPLAINED")}");
        }

        Assert.True(oracle.BothTcp > 10_000, $"only {oracle.BothTcp} frames were TCP in both; the comparison saw too little");
        string[] unexplained = oracle.Disagreements.Keys.Where(kind => !Explained.ContainsKey(kind)).ToArray();
        Assert.True(unexplained.Length == 0, "disagreements without an explanation:\n" + string.Join("\n", unexplained.Select(kind =>
            $"{kind}: {string.Join(", ", oracle.Disagreements[kind].Take(5))}")));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PcapResetInspector.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("the repository root (PcapResetInspector.sln) is not above " + AppContext.BaseDirectory);
    }
}
