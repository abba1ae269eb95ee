using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

public class PcapWriterTests
{
    // 2023-11-14T22:13:20.123456789Z
    private const long Timestamp = 1_700_000_000_123_456_789;

    [Fact]
    public void FileHeader_Microseconds_IsLittleEndianVersion24()
    {
        byte[] bytes = Write(w => { }, LinkTypes.Ethernet, snapLength: 65535, nanos: false);

        byte[] expected =
        [
            0xD4, 0xC3, 0xB2, 0xA1, // magic a1b2c3d4, little-endian
            0x02, 0x00, 0x04, 0x00, // version 2.4
            0, 0, 0, 0, 0, 0, 0, 0, // reserved
            0xFF, 0xFF, 0x00, 0x00, // snaplen 65535
            0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void FileHeader_Nanoseconds_UsesA1B23C4DMagic()
    {
        byte[] bytes = Write(w => { }, LinkTypes.LinuxSll2, snapLength: 262144, nanos: true);

        Assert.Equal(24, bytes.Length);
        Assert.Equal(new byte[] { 0x4D, 0x3C, 0xB2, 0xA1 }, bytes[..4]);
        Assert.Equal(262144u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(276u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
    }

    [Theory]
    [InlineData(false, 123_456u)]
    [InlineData(true, 123_456_789u)]
    public void Record_SplitsTimestampAndKeepsLengths(bool nanos, uint expectedFraction)
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7];
        byte[] bytes = Write(w => w.WritePacket(Timestamp, payload, 60), LinkTypes.Raw, nanos: nanos);

        Span<byte> record = bytes.AsSpan(24);
        Assert.Equal(16 + 7, record.Length);
        Assert.Equal(1_700_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(record));
        Assert.Equal(expectedFraction, BinaryPrimitives.ReadUInt32LittleEndian(record[4..]));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(record[8..]));   // incl_len
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(record[12..])); // orig_len
        Assert.Equal(payload, record[16..].ToArray());
    }

    [Fact]
    public void Record_IsCutToSnapLength()
    {
        byte[] payload = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        byte[] bytes = Write(w => w.WritePacket(Timestamp, payload, 100), LinkTypes.Raw, snapLength: 40);

        Assert.Equal(24 + 16 + 40, bytes.Length);
        Assert.Equal(40u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24 + 8)));
        Assert.Equal(100u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24 + 12)));
        Assert.Equal(payload[..40], bytes[(24 + 16)..]);
    }

    [Fact]
    public void Records_LargerThanTheBuffer_StayInOrder()
    {
        byte[] small = [0xAA, 0xBB];
        byte[] large = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        byte[] bytes = Write(w =>
        {
            w.WritePacket(Timestamp, small, 2);
            w.WritePacket(Timestamp + 1000, large, large.Length);
            w.WritePacket(Timestamp + 2000, small, 2);
        }, LinkTypes.Raw);

        int second = 24 + 16 + 2;
        Assert.Equal(24 + 3 * 16 + 2 + 100_000 + 2, bytes.Length);
        Assert.Equal(100_000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(second + 8)));
        Assert.Equal(large, bytes[(second + 16)..(second + 16 + 100_000)]);
        Assert.Equal(small, bytes[^2..]);
    }

    [Fact]
    public void WritePacket_CopiesOddRecordsAsTheyAre_AndRejectsOnlyANegativeLength()
    {
        // A reader accepts these with a warning, so an extract must copy them (tshark -w and editcap do).
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkTypes.Raw, nanosecondResolution: true, leaveOpen: true))
        {
            writer.WritePacket(Timestamp, new byte[10], 9);            // captured longer than on the wire
            writer.WritePacket(-1_500_000_000, new byte[1], 1);        // 1.5 s before 1970
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePacket(Timestamp, new byte[1], -1));
        }
        byte[] file = stream.ToArray();
        Assert.Equal(9u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24 + 12)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24 + 8)));
        int second = 24 + 16 + 10;
        // Floor division: second -2 and 500,000,000 ns, the seconds as the historical signed 32-bit field held them.
        Assert.Equal(-2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(second)));
        Assert.Equal(500_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(second + 4)));
        Assert.False(PcapWriter.FitsClassicPcap(-1));
        Assert.False(PcapWriter.FitsClassicPcap((uint.MaxValue + 1L) * 1_000_000_000));
        Assert.True(PcapWriter.FitsClassicPcap(Timestamp));
    }

    [Fact]
    public void Dispose_ClosesTheStreamUnlessLeftOpen()
    {
        var kept = new MemoryStream();
        new PcapWriter(kept, LinkTypes.Raw, leaveOpen: true).Dispose();
        Assert.True(kept.CanWrite);
        Assert.Equal(24, kept.Length);

        var closed = new MemoryStream();
        new PcapWriter(closed, LinkTypes.Raw).Dispose();
        Assert.False(closed.CanWrite);
    }

    [Fact]
    public void WritePacket_AllocatesNothing()
    {
        using var writer = new PcapWriter(Stream.Null, LinkTypes.Ethernet);
        byte[] frame = new byte[1514];
        for (int i = 0; i < 1000; i++)
        {
            writer.WritePacket(Timestamp + i, frame, frame.Length);
        }

        long allocated = SteadyStateAllocation.SmallestOf(3, () =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                writer.WritePacket(Timestamp + i * 1000L, frame.AsSpan(0, 54 + (i & 1023)), 1514);
            }
            writer.Flush();
        });

        Assert.Equal(0, allocated);
    }

    private static byte[] Write(Action<PcapWriter> body, int linkType, int snapLength = 262144, bool nanos = false)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, linkType, snapLength, nanos, leaveOpen: true))
        {
            body(writer);
        }
        return stream.ToArray();
    }
}
