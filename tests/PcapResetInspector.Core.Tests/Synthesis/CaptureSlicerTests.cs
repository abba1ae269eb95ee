using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class CaptureSlicerTests
{
    /// <summary>Mixed traffic: IPv4 and IPv6, untagged and 802.1Q-tagged, bulk payload.</summary>
    private static readonly Lazy<byte[]> Mixed = new(() => CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 51, MaxPackets = 5_000 }));

    private static List<(byte[] Data, int OriginalLength, long Time)> Records(byte[] file, out CaptureInterface header)
    {
        var records = new List<(byte[], int, long)>();
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(file), "test");
        while (source.TryReadNext(out PacketRecord record))
            records.Add((record.Data.ToArray(), record.OriginalLength, record.TimestampNanos));
        Assert.Empty(source.Problems);
        header = source.Interfaces[0];
        return records;
    }

    [Fact]
    public void HeadersOnly_LeavesNoPayloadByte_AndEveryLengthAndNumberAsItWas()
    {
        DecodedCapture before = DecodedCapture.Read(Mixed.Value);
        DecodedCapture after = DecodedCapture.Read(CaptureSlicer.HeadersOnly(Mixed.Value));
        Assert.True(before.Packets.Sum(p => p.Segment.CapturedPayloadLength) > 1_000_000);
        Assert.Contains(before.Packets, p => p.Segment.IpVersion == 6);
        Assert.Contains(before.Packets, p => p.Segment.Vlan != 0);

        Assert.Equal(before.Packets.Count, after.Packets.Count);
        Assert.Equal(0, after.Packets.Sum(p => (long)p.Segment.CapturedPayloadLength));
        for (int i = 0; i < before.Packets.Count; i++)
        {
            DecodedPacket a = before.Packets[i], b = after.Packets[i];
            Assert.Equal(a.OriginalLength, b.OriginalLength);
            Assert.Equal(a.Time, b.Time);
            Assert.Equal(a.Segment.IpTotalLength, b.Segment.IpTotalLength);
            Assert.Equal(a.PayloadLength, b.PayloadLength);
            Assert.Equal(a.Seq, b.Seq);
            Assert.Equal(a.Ack, b.Ack);
            Assert.Equal(a.Segment.TimestampValue, b.Segment.TimestampValue);
            Assert.Equal(a.Segment.PayloadOffset, b.Frame.Length);
            Assert.True(a.Frame.AsSpan(0, b.Frame.Length).SequenceEqual(b.Frame), $"packet {i}");
        }
        Assert.Equal(before.Header.SnapLength, after.Header.SnapLength);
    }

    [Theory]
    [InlineData(54)]
    [InlineData(96)]
    [InlineData(1_000)]
    public void Slice_KeepsTheFirstSnapLengthBytes_AndTheOriginalLengths(int snapLength)
    {
        List<(byte[] Data, int OriginalLength, long Time)> before = Records(Mixed.Value, out _);
        List<(byte[] Data, int OriginalLength, long Time)> after = Records(CaptureSlicer.Slice(Mixed.Value, snapLength), out CaptureInterface header);

        Assert.Equal((uint)snapLength, header.SnapLength);
        Assert.Equal(before.Count, after.Count);
        Assert.Contains(before, r => r.Data.Length > snapLength);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(Math.Min(before[i].Data.Length, snapLength), after[i].Data.Length);
            Assert.Equal(before[i].OriginalLength, after[i].OriginalLength);
            Assert.Equal(before[i].Time, after[i].Time);
            Assert.True(before[i].Data.AsSpan(0, after[i].Data.Length).SequenceEqual(after[i].Data));
        }
    }

    [Fact]
    public void HeadersOnly_OnEveryLinkLayer_QinQ_AndNanoseconds()
    {
        foreach (int linkType in (int[])[LinkTypes.Ethernet, LinkTypes.Raw, LinkTypes.LinuxSll, LinkTypes.LinuxSll2, LinkTypes.Null])
        {
            var builder = new TrafficBuilder(linkType: linkType);
            var options = new TcpConversationOptions();
            if (linkType == LinkTypes.Ethernet)
            {
                options.Vlan = 100;
                options.InnerVlan = 200;
            }
            builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80, options).Handshake().Data(Side.Client, 300).Data(Side.Server, 1400).Fin(Side.Client);
            builder.Tcp("2001:db8::1", 50001, "2001:db8::2", 443, options).Handshake().Data(Side.Client, 500).Rst(Side.Server, withAck: true);
            byte[] file = builder.ToPcapBytes(nanosecondResolution: true);

            byte[] sliced = CaptureSlicer.HeadersOnly(file);
            Assert.Equal(PcapWriter.NanosecondMagic, BinaryPrimitives.ReadUInt32LittleEndian(sliced));
            DecodedCapture before = DecodedCapture.Read(file);
            DecodedCapture after = DecodedCapture.Read(sliced);
            Assert.Equal(before.Packets.Count, after.Packets.Count);
            Assert.Equal(2_200, before.Packets.Sum(p => p.Segment.CapturedPayloadLength));
            Assert.All(after.Packets, p => Assert.Equal(0, p.Segment.CapturedPayloadLength));
            Assert.Equal(before.Packets.Select(p => (p.Time, p.OriginalLength, p.PayloadLength, p.Seq)), after.Packets.Select(p => (p.Time, p.OriginalLength, p.PayloadLength, p.Seq)));
            Assert.Equal(linkType, after.Header.LinkType);
        }
    }

    [Fact]
    public void HeadersOnly_KeepsOtherFramesWhole_AndCutsLaterFragmentsAfterTheIpHeader()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80).Handshake().Data(Side.Client, 200);
        // ARP request: not IP, kept whole.
        byte[] arp = new byte[42];
        arp.AsSpan(0, 6).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(12), 0x0806);
        builder.AddRawFrame(builder.Now, arp);
        // The second fragment of a TCP datagram: 20 bytes of IPv4 header, 100 bytes of the segment's middle.
        byte[] fragment = new byte[14 + 20 + 100];
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(12), 0x0800);
        fragment[14] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(16), 120);
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(20), 185);   // fragment offset 185 × 8 bytes
        fragment[22] = 64;
        fragment[23] = 6;
        fragment.AsSpan(34).Fill(0xAB);
        builder.AddRawFrame(builder.Now, fragment);

        using var output = new MemoryStream();
        CaptureSliceSummary summary = CaptureSlicer.HeadersOnly(new MemoryStream(builder.ToPcapBytes()), output);
        List<(byte[] Data, int OriginalLength, long Time)> records = Records(output.ToArray(), out _);

        Assert.Equal(6, summary.Packets);
        Assert.Equal(4, summary.TcpPackets);
        Assert.Equal(1, summary.Fragments);
        Assert.Equal(1, summary.KeptWhole);
        Assert.Equal(arp, records[4].Data);
        Assert.Equal(14 + 20, records[5].Data.Length);
        Assert.Equal(fragment.Length, records[5].OriginalLength);
    }

    [Fact]
    public void OnlyClassicPcapIsSliced()
    {
        var builder = new TrafficBuilder();
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 80).Handshake();
        Assert.Throws<InvalidDataException>(() => CaptureSlicer.HeadersOnly(builder.ToPcapNgBytes()));
        Assert.Throws<InvalidDataException>(() => CaptureSlicer.Slice(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptureSlicer.Slice(builder.ToPcapBytes(), 0));
    }
}
