using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>Bounds by design: the largest packet read and the most interfaces kept, whatever a file claims.</summary>
public class ReaderBoundsTests
{
    private const int Oversized = CaptureLimits.MaxPacketBytes + 1;

    [Fact]
    public void ClassicPcap_SkipsAPacketLargerThan256KiB_AndReadsOn()
    {
        // A snapshot length of 1 MiB makes the record legal for the format; tcpdump and tshark still refuse it.
        byte[] file = new PcapBuilder(snapLength: 1 << 20)
            .Record(1, 0, CaptureTestKit.Payload(60, 1))
            .Record(2, 0, new byte[Oversized])
            .Record(3, 0, CaptureTestKit.Payload(60, 3))
            .ToArray();
        List<ReadPacket> packets = CaptureTestKit.ReadAll(file, out CaptureFileSource source, bufferSize: 4096);

        Assert.Equal([1_000_000_000L, 3_000_000_000L], packets.Select(p => p.TimestampNanos));
        Assert.Null(source.StopProblem);
        CaptureProblem warning = Assert.Single(source.Problems);
        Assert.Contains($"has {Oversized} captured bytes, more than the 262144 this tool reads in one packet: skipped", warning.Message);
        Assert.Equal(24 + 16 + 60, warning.Offset);
    }

    [Fact]
    public void PcapNg_SkipsAPacketBlockLargerThanAPacketNeeds_AndReadsOn()
    {
        byte[] file = new PcapNgBuilder().Shb().Idb(1)
            .Epb(0, 1_000_000, CaptureTestKit.Payload(60, 1))
            .Epb(0, 2_000_000, new byte[Oversized + 65_536])
            .Epb(0, 3_000_000, CaptureTestKit.Payload(60, 3))
            .ToArray();
        List<ReadPacket> packets = CaptureTestKit.ReadAll(file, out CaptureFileSource source, bufferSize: 4096);

        Assert.Equal(2, packets.Count);
        Assert.Null(source.StopProblem);
        Assert.Contains("more than a packet of at most 262144 bytes needs: skipped", Assert.Single(source.Problems).Message);
    }

    [Fact]
    public void PcapNg_StopsAtTheInterfaceBeyondTheCap_AfterWhatCameBefore()
    {
        var builder = new PcapNgBuilder().Shb().Idb(1).Epb(0, 1_000_000, CaptureTestKit.Payload(60, 1));
        for (int i = 1; i < CaptureLimits.MaxInterfaces; i++)
            builder.Idb(1);
        builder.Epb(0, 2_000_000, CaptureTestKit.Payload(60, 2)).Idb(1).Epb(0, 3_000_000, CaptureTestKit.Payload(60, 3));
        List<ReadPacket> packets = CaptureTestKit.ReadAll(builder.ToArray(), out CaptureFileSource source);

        Assert.Equal(2, packets.Count);
        CaptureProblem stop = CaptureTestKit.AssertStoppedWith(source, CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error);
        Assert.Contains("would be interface 65537: this tool keeps at most 65536 per file", stop.Message);
    }
}
