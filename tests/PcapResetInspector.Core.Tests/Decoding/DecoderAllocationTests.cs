using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Tests.Decoding;

public class DecoderAllocationTests
{
    [Fact]
    public void Decoding_allocates_nothing_after_warm_up()
    {
        var samples = TruncatedAndFuzzedFrameTests.SampleFrames().ToArray();
        var frames = samples.Select(sample => sample.Frame).ToArray();
        var linkTypes = samples.Select(sample => sample.LinkType).ToArray();
        var counters = new DecodeCounters();

        long checksum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            checksum += DecodeOne(frames, linkTypes, i, counters);
        }

        int rounds = 0;
        long allocated = SteadyStateAllocation.SmallestOf(3, () =>
        {
            rounds++;
            for (int i = 0; i < 100_000; i++)
            {
                checksum += DecodeOne(frames, linkTypes, i, counters);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(10_000 + (rounds * 100_000), counters[DecodeStatus.Tcp]);
        Assert.NotEqual(0, checksum);
    }

    private static long DecodeOne(byte[][] frames, int[] linkTypes, int i, DecodeCounters counters)
    {
        int index = i % frames.Length;
        // Every other round cut the frame, so the truncated paths run too.
        ReadOnlySpan<byte> frame = frames[index];
        DecodeStatus status = PacketDecoder.Decode(frame, linkTypes[index], i, out TcpSegment segment);
        counters.Add(status);
        if (i % 2 == 1)
        {
            PacketDecoder.Decode(frame[..(frame.Length / 3)], linkTypes[index], i, out _);
        }
        TcpChecksum.Verify(frame, segment);
        return segment.SequenceNumber + segment.PayloadLength;
    }
}
