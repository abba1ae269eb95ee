using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>
/// The files in captures/ must be exactly what their scripts build. To rewrite them after a
/// deliberate change: REGENERATE_SAMPLES=1 dotnet test tests/PcapResetInspector.Core.Tests
/// </summary>
public class SampleCaptureTests
{
    private const int Syn = (int)TcpFlags.Syn;
    private const int Ack = (int)TcpFlags.Ack;
    private const int Rst = (int)TcpFlags.Rst;
    private const int Fin = (int)TcpFlags.Fin;

    public static TheoryData<string> SampleFileNames => new(SampleCaptures.All.Select(s => s.FileName));

    [Theory]
    [MemberData(nameof(SampleFileNames))]
    public void CommittedFile_MatchesItsScript(string fileName)
    {
        SampleCapture sample = SampleCaptures.All.Single(s => s.FileName == fileName);
        byte[] built = sample.Build().ToPcapBytes();
        string path = Path.Combine(RepositoryRoot(), "captures", fileName);

        if (Environment.GetEnvironmentVariable("REGENERATE_SAMPLES") == "1")
        {
            File.WriteAllBytes(path, built);
        }

        Assert.True(File.Exists(path), path + " is missing: run REGENERATE_SAMPLES=1 dotnet test tests/PcapResetInspector.Core.Tests");
        Assert.True(built.AsSpan().SequenceEqual(File.ReadAllBytes(path)),
            fileName + " differs from what SampleCaptures builds: if the change is deliberate, run REGENERATE_SAMPLES=1 dotnet test tests/PcapResetInspector.Core.Tests");
    }

    [Fact]
    public void ExplainSample_MatchesItsScript()
    {
        SambaOfficeDay office = SampleCaptures.SmbOffice();
        byte[] capture = office.Build().ToPcapBytes();
        byte[] log = System.Text.Encoding.UTF8.GetBytes(office.Log);
        string folder = Path.Combine(RepositoryRoot(), "captures");
        foreach ((string name, byte[] built) in new[] { (SampleCaptures.OfficeCaptureFile, capture), (SampleCaptures.OfficeLogFile, log) })
        {
            string path = Path.Combine(folder, name);
            if (Environment.GetEnvironmentVariable("REGENERATE_SAMPLES") == "1")
                File.WriteAllBytes(path, built);
            Assert.True(File.Exists(path), path + " is missing: run REGENERATE_SAMPLES=1 dotnet test tests/PcapResetInspector.Core.Tests");
            Assert.True(built.AsSpan().SequenceEqual(File.ReadAllBytes(path)), name + " differs from what SampleCaptures.SmbOffice writes");
        }
        Assert.InRange(capture.Length, 10_000, 64 * 1024);
    }

    [Fact]
    public void Samples_AreSmall()
    {
        foreach (SampleCapture sample in SampleCaptures.All)
        {
            int size = sample.Build().ToPcapBytes().Length;
            Assert.InRange(size, 500, 8 * 1024);
        }
    }

    [Fact]
    public void SmbRace_ShowsVariantBAndVariantA()
    {
        TrafficBuilder builder = SampleCaptures.SmbRace139And445();
        List<TestPacket> packets = Packets(builder);

        // Client .21: 445 carries SMB2 behind a NetBIOS header starting 0x00; the 139 loser is
        // SYN, SYN-ACK, ACK, then the client's RST (variant B).
        List<TestPacket> a445 = Conversation(packets, 50112);
        byte[] negotiate = a445.First(p => p.SourcePort == 50112 && p.Payload.Length > 0).Payload;
        Assert.Equal(0x00, negotiate[0]);
        Assert.Equal(new byte[] { 0xFE, (byte)'S', (byte)'M', (byte)'B' }, negotiate[4..8]);
        List<TestPacket> a139 = Conversation(packets, 50113);
        Assert.Equal([Syn, Syn | Ack, Ack, Rst | Ack], a139.Select(p => p.Flags));
        Assert.Equal(50113, a139[3].SourcePort);
        Assert.All(a139, p => Assert.Empty(p.Payload));

        // Client .37: 139 wins with session request 0x81 and response 0x82; the 445 loser's
        // SYN-ACK is answered by a bare RST whose seq is the SYN-ACK's ack (variant A).
        List<TestPacket> b139 = Conversation(packets, 49730);
        Assert.Equal(0x81, b139.First(p => p.SourcePort == 49730 && p.Payload.Length > 0).Payload[0]);
        Assert.Equal(0x82, b139.First(p => p.SourcePort == 139 && p.Payload.Length > 0).Payload[0]);
        List<TestPacket> b445 = Conversation(packets, 49731);
        Assert.Equal([Syn, Syn | Ack, Rst], b445.Select(p => p.Flags));
        Assert.Equal(b445[1].Ack, b445[2].Seq);

        // The SYNs of each pair are under a millisecond apart; only clients (TTL 128) reset; Samba has TTL 64.
        long SynTime(ushort clientPort) => builder.Frames[packets.FindIndex(p => p.Flags == Syn && p.SourcePort == clientPort)].TimestampNanos;
        Assert.InRange(SynTime(50113) - SynTime(50112), 1, 1_000_000);
        Assert.InRange(SynTime(49731) - SynTime(49730), 1, 1_000_000);
        Assert.All(packets.Where(p => (p.Flags & Rst) != 0), p => Assert.Equal(128, p.Ttl));
        Assert.All(packets.Where(p => p.SourcePort is 139 or 445), p => Assert.Equal(64, p.Ttl));
    }

    [Fact]
    public void Refused_ThreeRejectedSynsThenANormalConnection()
    {
        List<TestPacket> packets = Packets(SampleCaptures.Refused());

        List<TestPacket> pop3 = packets.Where(p => p.SourcePort == 110 || p.DestinationPort == 110).ToList();
        Assert.Equal([Syn, Rst | Ack, Syn, Rst | Ack, Syn, Rst | Ack], pop3.Select(p => p.Flags));
        uint isn = pop3[0].Seq;
        Assert.All(pop3.Where(p => p.Flags == Syn), p => Assert.Equal((isn, (ushort)51800), (p.Seq, p.SourcePort)));
        Assert.All(pop3.Where(p => p.Flags == (Rst | Ack)), p => Assert.Equal((0u, isn + 1), (p.Seq, p.Ack)));

        List<TestPacket> imap = packets.Where(p => p.SourcePort == 143 || p.DestinationPort == 143).ToList();
        Assert.Equal(Syn | Ack, imap[1].Flags);
        Assert.Equal(2, imap.Count(p => (p.Flags & Fin) != 0));
        Assert.DoesNotContain(imap, p => (p.Flags & Rst) != 0);
    }

    [Fact]
    public void ServerAbort_EndsWithTheServersRstAndNoFin()
    {
        List<TestPacket> packets = Packets(SampleCaptures.ServerAbort());

        TestPacket last = packets[^1];
        Assert.Equal((Rst | Ack, (ushort)8080), (last.Flags, last.SourcePort));
        Assert.Single(packets, p => (p.Flags & Rst) != 0);
        Assert.DoesNotContain(packets, p => (p.Flags & Fin) != 0);
        Assert.Contains(packets, p => p.SourcePort == 8080 && p.Payload.Length > 0);
        Assert.Contains(packets, p => p.DestinationPort == 8080 && p.Payload.Length > 0);
        // The RST sits at the server's SND.NXT: right after its last data.
        TestPacket lastData = packets.Last(p => p.SourcePort == 8080 && p.Payload.Length > 0);
        Assert.Equal(lastData.Seq + (uint)lastData.Payload.Length, last.Seq);
    }

    [Fact]
    public void NormalSession_IPv4AndIPv6_CloseCleanly()
    {
        List<TestPacket> packets = Packets(SampleCaptures.NormalSession());

        Assert.DoesNotContain(packets, p => (p.Flags & Rst) != 0);
        Assert.Equal(4, packets.Count(p => (p.Flags & Fin) != 0));
        Assert.Equal(11, packets.Count(p => p.IpVersion == 4));
        Assert.Equal(11, packets.Count(p => p.IpVersion == 6));
        foreach (int version in new[] { 4, 6 })
        {
            List<TestPacket> session = packets.Where(p => p.IpVersion == version).ToList();
            Assert.Equal(Ack, session[^1].Flags);
            Assert.StartsWith("GET /status.txt HTTP/1.1\r\n", System.Text.Encoding.ASCII.GetString(session[3].Payload));
        }
    }

    private static List<TestPacket> Packets(TrafficBuilder builder) =>
        builder.Frames.Select(f => new TestPacket(f.Data, f.LinkType)).ToList();

    private static List<TestPacket> Conversation(List<TestPacket> packets, ushort clientPort) =>
        packets.Where(p => p.SourcePort == clientPort || p.DestinationPort == clientPort).ToList();

    /// <summary>Walks up from the test assembly to the folder holding PcapResetInspector.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PcapResetInspector.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("PcapResetInspector.sln not found above " + AppContext.BaseDirectory);
    }
}
