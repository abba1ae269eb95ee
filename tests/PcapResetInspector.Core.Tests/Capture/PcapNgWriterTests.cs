using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

public class PcapNgWriterTests
{
    private const long Timestamp = 1_700_000_000_123_456_789;

    [Fact]
    public void SectionHeader_LittleEndian_ExactBytes()
    {
        byte[] bytes = Write(bigEndian: false, w => { });

        byte[] expected =
        [
            0x0A, 0x0D, 0x0D, 0x0A, // block type (a palindrome)
            0x1C, 0x00, 0x00, 0x00, // total length 28
            0x4D, 0x3C, 0x2B, 0x1A, // byte-order magic
            0x01, 0x00, 0x00, 0x00, // version 1.0
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // section length -1
            0x1C, 0x00, 0x00, 0x00, // trailing total length
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void SectionHeader_BigEndian_ExactBytes()
    {
        byte[] bytes = Write(bigEndian: true, w => { });

        byte[] expected =
        [
            0x0A, 0x0D, 0x0D, 0x0A,
            0x00, 0x00, 0x00, 0x1C,
            0x1A, 0x2B, 0x3C, 0x4D,
            0x00, 0x01, 0x00, 0x00,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0x00, 0x00, 0x00, 0x1C,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void SectionHeader_UserApplicationOption_IsPaddedAndTerminated()
    {
        var stream = new MemoryStream();
        new PcapNgWriter(stream, leaveOpen: true, userApplication: "abcde").Dispose();
        byte[] bytes = stream.ToArray();

        // 28 + option header 4 + "abcde" padded to 8 + opt_endofopt 4
        Assert.Equal(44, bytes.Length);
        Assert.Equal(44u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(new byte[] { 0x04, 0x00, 0x05, 0x00, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', 0, 0, 0, 0, 0, 0, 0 }, bytes[24..40]);
        Assert.Equal(44u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
    }

    [Fact]
    public void InterfaceDescription_DefaultResolution_HasNoOptions()
    {
        byte[] bytes = Write(bigEndian: false, w => Assert.Equal(0, w.AddInterface(LinkTypes.Ethernet)));

        byte[] expected =
        [
            0x01, 0x00, 0x00, 0x00, // IDB
            0x14, 0x00, 0x00, 0x00, // total length 20
            0x01, 0x00, 0x00, 0x00, // LinkType 1, reserved
            0x00, 0x00, 0x00, 0x00, // snaplen 0: no limit
            0x14, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, bytes[28..]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InterfaceDescription_WritesIfTsresolWhenNotMicroseconds(bool bigEndian)
    {
        byte[] bytes = Write(bigEndian, w =>
        {
            Assert.Equal(0, w.AddInterface(LinkTypes.Raw, snapLength: 1500, tsResolution: 9));
            Assert.Equal(1, w.AddInterface(LinkTypes.LinuxSll, tsResolution: 0x88));
        });

        var blocks = Blocks(bytes, bigEndian);
        Assert.Equal(3, blocks.Count);
        byte[] first = blocks[1];
        Assert.Equal(32, first.Length);
        Assert.Equal(101u, U16(first.AsSpan(8), bigEndian));
        Assert.Equal(1500u, U32(first.AsSpan(12), bigEndian));
        // if_tsresol: code 9, length 1, value, 3 padding bytes, then opt_endofopt.
        Assert.Equal(9u, U16(first.AsSpan(16), bigEndian));
        Assert.Equal(1u, U16(first.AsSpan(18), bigEndian));
        Assert.Equal(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0 }, first[20..28]);
        Assert.Equal(0x88, blocks[2][20]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnhancedPacket_LayoutPaddingAndTrailer(bool bigEndian)
    {
        byte[] payload = [0x45, 0x00, 0x00, 0x14, 0x99];
        byte[] bytes = Write(bigEndian, w =>
        {
            w.AddInterface(LinkTypes.Raw);
            w.WritePacket(0, Timestamp, payload, 20);
        });

        var blocks = Blocks(bytes, bigEndian);
        byte[] epb = blocks[2];
        Assert.Equal(6u, U32(epb, bigEndian));
        Assert.Equal(40, epb.Length);  // 28 header + 5 data + 3 padding + 4 trailer
        Assert.Equal(0u, U32(epb.AsSpan(8), bigEndian));
        // Microseconds since the epoch, upper word first.
        ulong micros = 1_700_000_000_123_456;
        Assert.Equal((uint)(micros >> 32), U32(epb.AsSpan(12), bigEndian));
        Assert.Equal((uint)micros, U32(epb.AsSpan(16), bigEndian));
        Assert.Equal(5u, U32(epb.AsSpan(20), bigEndian));
        Assert.Equal(20u, U32(epb.AsSpan(24), bigEndian));
        Assert.Equal(payload, epb[28..33]);
        Assert.Equal(new byte[] { 0, 0, 0 }, epb[33..36]);
        Assert.Equal(40u, U32(epb.AsSpan(36), bigEndian));
    }

    [Theory]
    [InlineData((byte)6, 1_700_000_000_123_456UL)]        // 10^-6
    [InlineData((byte)9, 1_700_000_000_123_456_789UL)]    // 10^-9
    [InlineData((byte)3, 1_700_000_000_123UL)]            // 10^-3
    [InlineData((byte)0, 1_700_000_000UL)]                // whole seconds
    [InlineData((byte)0x80, 1_700_000_000UL)]             // 2^0
    [InlineData((byte)0x8A, 1_740_800_000_126UL)]     // 2^-10: floor(t * 1024 / 1e9)
    public void EnhancedPacket_ConvertsTimestampToTheInterfaceResolution(byte tsResolution, ulong expectedUnits)
    {
        Assert.Equal(expectedUnits, WrittenUnits(tsResolution, Timestamp));
    }

    [Fact]
    public void EnhancedPacket_FinerThanNanoseconds_Multiplies()
    {
        // 10^-12 (picoseconds) fits 64 bits only for times below about 213 days.
        Assert.Equal(1_500_000_000_000UL, WrittenUnits(12, 1_500_000_000));
        Assert.Equal(768UL, WrittenUnits(0x89, 1_500_000_000)); // 2^-9 of 1.5 s
        Assert.Throws<ArgumentOutOfRangeException>(() => WrittenUnits(12, Timestamp));
    }

    [Fact]
    public void Packets_AreCutToTheInterfaceSnapLength()
    {
        byte[] payload = Enumerable.Range(1, 30).Select(i => (byte)i).ToArray();
        byte[] bytes = Write(false, w =>
        {
            w.AddInterface(LinkTypes.Raw, snapLength: 10);
            w.WritePacket(0, Timestamp, payload, 30);
        });

        byte[] epb = Blocks(bytes, false)[2];
        Assert.Equal(10u, U32(epb.AsSpan(20), false));
        Assert.Equal(30u, U32(epb.AsSpan(24), false));
        Assert.Equal(payload[..10], epb[28..38]);
        Assert.Equal(44, epb.Length);
    }

    [Fact]
    public void Arguments_AreChecked()
    {
        using var writer = new PcapNgWriter(new MemoryStream());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePacket(0, Timestamp, new byte[1], 1));
        writer.AddInterface(LinkTypes.Raw);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePacket(1, Timestamp, new byte[1], 1));
        writer.WritePacket(0, Timestamp, new byte[4], 3); // captured longer than on the wire: copied as it is
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePacket(0, Timestamp, new byte[4], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInterface(70_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInterface(LinkTypes.Raw, tsResolution: 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInterface(LinkTypes.Raw, tsResolution: 0x80 | 64));
    }

    [Fact]
    public void ATimeBefore1970_ReadsBackAsItWasRead()
    {
        // The reader reads a 64-bit count past the nanosecond range as a negative time (with a warning);
        // the writer gives the same count back, so an extract of such a file keeps its times.
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream, leaveOpen: true))
        {
            writer.AddInterface(LinkTypes.Raw, tsResolution: 9);
            writer.AddInterface(LinkTypes.Raw, tsResolution: 6);
            writer.WritePacket(0, -505_425_287_000, new byte[20], 20);
            writer.WritePacket(1, -7_000, new byte[20], 20);
        }
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(stream.ToArray()), "before-1970");
        var times = new List<long>();
        while (source.TryReadNext(out PacketRecord packet))
            times.Add(packet.TimestampNanos);
        Assert.Equal([-505_425_287_000L, -7_000L], times);
    }

    [Fact]
    public void WritePacket_AllocatesNothing()
    {
        using var writer = new PcapNgWriter(Stream.Null, bigEndian: true);
        writer.AddInterface(LinkTypes.Ethernet, tsResolution: 9);
        writer.AddInterface(LinkTypes.Raw, tsResolution: 0x88);
        byte[] frame = new byte[1514];
        for (int i = 0; i < 1000; i++)
        {
            writer.WritePacket(i & 1, Timestamp + i, frame, frame.Length);
        }

        long allocated = SteadyStateAllocation.SmallestOf(3, () =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                writer.WritePacket(i & 1, Timestamp + i * 1000L, frame.AsSpan(0, 54 + (i & 1023)), 1514);
            }
            writer.Flush();
        });

        Assert.Equal(0, allocated);
    }

    private static ulong WrittenUnits(byte tsResolution, long timestampNanos)
    {
        byte[] bytes = Write(false, w =>
        {
            w.AddInterface(LinkTypes.Raw, tsResolution: tsResolution);
            w.WritePacket(0, timestampNanos, [0x60], 1);
        });
        byte[] epb = Blocks(bytes, false)[2];
        return ((ulong)U32(epb.AsSpan(12), false) << 32) | U32(epb.AsSpan(16), false);
    }

    private static byte[] Write(bool bigEndian, Action<PcapNgWriter> body)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream, bigEndian, leaveOpen: true))
        {
            body(writer);
        }
        return stream.ToArray();
    }

    /// <summary>Splits a file into blocks, checking that every leading length matches its trailing copy.</summary>
    private static List<byte[]> Blocks(byte[] file, bool bigEndian)
    {
        var blocks = new List<byte[]>();
        int offset = 0;
        while (offset < file.Length)
        {
            int length = (int)U32(file.AsSpan(offset + 4), bigEndian);
            Assert.Equal(0, length % 4);
            Assert.Equal((uint)length, U32(file.AsSpan(offset + length - 4), bigEndian));
            blocks.Add(file[offset..(offset + length)]);
            offset += length;
        }
        Assert.Equal(file.Length, offset);
        return blocks;
    }

    private static uint U32(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static uint U16(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
}
