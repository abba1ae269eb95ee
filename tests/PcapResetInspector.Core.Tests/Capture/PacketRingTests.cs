using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

public class PacketRingTests
{
    private static byte[] Frame(int length, int seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(seed * 31 + i);
        return bytes;
    }

    [Fact]
    public void FramesComeOutInOrder_WithTheirTimesLengthsAndBytes()
    {
        using var ring = new PacketRing(4096, 128, LinkTypes.Ethernet, "lo");
        Assert.True(ring.TryWrite(1_000, 60, Frame(60, 1)));
        Assert.True(ring.TryWrite(2_000, 1500, Frame(128, 2)));
        ring.Complete();

        Assert.True(ring.TryReadNext(out PacketRecord first));
        Assert.Equal((1_000L, 60, LinkTypes.Ethernet), (first.TimestampNanos, first.OriginalLength, first.LinkType));
        Assert.Equal(Frame(60, 1), first.Data.ToArray());
        Assert.True(ring.TryReadNext(out PacketRecord second));
        Assert.Equal((2_000L, 1500), (second.TimestampNanos, second.OriginalLength));
        Assert.Equal(Frame(128, 2), second.Data.ToArray());
        Assert.False(ring.TryReadNext(out _));
        Assert.Equal(2, ring.PacketsRead);
    }

    [Fact]
    public void AFrameLongerThanTheLimit_IsCutToIt_KeepingItsWireLength()
    {
        using var ring = new PacketRing(4096, 64, LinkTypes.Ethernet, "lo");
        Assert.True(ring.TryWrite(1, 200, Frame(200, 3)));
        Assert.True(ring.TryReadAvailable(out PacketRecord packet));
        Assert.Equal(Frame(200, 3).AsSpan(0, 64).ToArray(), packet.Data.ToArray());
        Assert.Equal(200, packet.OriginalLength);
    }

    [Fact]
    public void AFullRing_DropsAndCounts_ThenTakesFramesAgainOnceRead()
    {
        // 16-byte header + 64 bytes: 80 per record; 400 bytes hold five.
        using var ring = new PacketRing(400, 64, LinkTypes.Ethernet, "lo");
        for (int i = 0; i < 5; i++)
            Assert.True(ring.TryWrite(i, 64, Frame(64, i)));
        Assert.False(ring.TryWrite(5, 64, Frame(64, 5)));
        Assert.Equal((5L, 1L), (ring.Written, ring.Dropped));

        Assert.True(ring.TryReadAvailable(out PacketRecord packet));
        Assert.Equal(0, packet.TimestampNanos);
        // The record just handed out still belongs to the reader: no room until the next read releases it.
        Assert.False(ring.TryWrite(6, 64, Frame(64, 6)));
        Assert.True(ring.TryReadAvailable(out packet));
        Assert.Equal(1, packet.TimestampNanos);
        Assert.True(ring.TryWrite(7, 64, Frame(64, 7)));
        Assert.Equal(2, ring.Dropped);
    }

    [Fact]
    public void RecordsWrapAroundTheEnd_WithoutTearing()
    {
        // Records of varying size over a small ring wrap many times; each must come out whole.
        using var ring = new PacketRing(1000, 100, LinkTypes.Ethernet, "lo");
        int written = 0, read = 0;
        for (int round = 0; round < 500; round++)
        {
            while (ring.TryWrite(written, 1 + written % 100, Frame(1 + written % 100, written)))
                written++;
            int take = 1 + round % 4;
            for (int i = 0; i < take && ring.TryReadAvailable(out PacketRecord packet); i++, read++)
            {
                Assert.Equal(read, packet.TimestampNanos);
                Assert.Equal(Frame(1 + read % 100, read), packet.Data.ToArray());
            }
        }

        Assert.True(written > 1000, $"only {written} frames went through");
    }

    [Fact]
    public void AReaderOnAnotherThread_GetsEveryFrameInOrder_AndEndsAfterComplete()
    {
        const int count = 200_000;
        using var ring = new PacketRing(64 * 1024, 128, LinkTypes.Ethernet, "lo");
        var producer = new Thread(() =>
        {
            byte[] frame = new byte[128];
            for (int i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(frame, i);
                while (!ring.TryWrite(i, 40 + i % 88, frame.AsSpan(0, 40 + i % 88)))
                    Thread.Yield();   // this test wants every frame; the capture thread never waits like this
            }
            ring.Complete();
        });
        producer.Start();

        long expected = 0;
        while (ring.TryReadNext(out PacketRecord packet))
        {
            Assert.Equal(expected, packet.TimestampNanos);
            Assert.Equal(expected, BitConverter.ToInt32(packet.Data));
            Assert.Equal(40 + expected % 88, packet.Data.Length);
            expected++;
        }

        producer.Join();
        Assert.Equal(count, expected);
        Assert.True(ring.Dropped > 0, "the producer never outran the reader, so the retry path went untested");
    }

    [Fact]
    public void AQuietRing_CallsIdleWhileWaiting_AndCompleteEndsTheWait()
    {
        using var ring = new PacketRing(4096, 128, LinkTypes.Ethernet, "lo") { IdleInterval = TimeSpan.FromMilliseconds(20) };
        int idle = 0;
        ring.Idle = () =>
        {
            if (++idle == 3)
                ring.Complete();
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(ring.TryReadNext(out _));
        Assert.Equal(3, idle);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(40), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void WritingAndReading_AllocateNothing()
    {
        using var ring = new PacketRing(64 * 1024, 128, LinkTypes.Ethernet, "lo");
        byte[] frame = Frame(100, 1);
        void Cycle()
        {
            for (int i = 0; i < 10_000; i++)
            {
                ring.TryWrite(i, 100, frame);
                ring.TryReadAvailable(out _);
            }
        }

        Cycle();
        Assert.Equal(0, SteadyStateAllocation.SmallestOf(5, Cycle));
    }

    [Fact]
    public void ARingTooSmallForTwoFrames_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketRing(200, 128, LinkTypes.Ethernet, "lo"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketRing(4096, 0, LinkTypes.Ethernet, "lo"));
    }
}
