using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class TrafficBuilderOutputTests
{
    private static TrafficBuilder Script(int linkType = LinkTypes.Ethernet)
    {
        var builder = new TrafficBuilder(1_700_000_000_000_000_000, linkType);
        builder.Tcp("10.0.0.1", 50000, "10.0.0.2", 445, new TcpConversationOptions { Gap = TimeSpan.FromTicks(1234) })
            .Handshake().Data(Side.Client, 10).Rst(Side.Client);
        builder.Tcp("2001:db8::1", 50001, "2001:db8::2", 139).Syn().RefuseWithRst();
        return builder;
    }

    [Fact]
    public void SameScript_SameBytes()
    {
        Assert.Equal(Script().ToPcapBytes(), Script().ToPcapBytes());
        Assert.Equal(Script().ToPcapNgBytes(), Script().ToPcapNgBytes());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcap_HoldsEveryFrameWithItsTimestamp(bool nanoseconds)
    {
        TrafficBuilder builder = Script(LinkTypes.LinuxSll2);
        byte[] file = builder.ToPcapBytes(nanoseconds);

        Assert.Equal(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(276u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20)));
        int offset = 24;
        foreach (BuiltFrame frame in builder.Frames)
        {
            uint seconds = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
            uint fraction = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 4));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            Assert.Equal(frame.TimestampNanos / 1_000_000_000, seconds);
            Assert.Equal(nanoseconds ? frame.TimestampNanos % 1_000_000_000 : frame.TimestampNanos % 1_000_000_000 / 1000, fraction);
            Assert.Equal(frame.Data, file[(offset + 16)..(offset + 16 + length)]);
            offset += 16 + length;
        }
        Assert.Equal(file.Length, offset);
        Assert.Equal(7, builder.Frames.Count);
        // Gap 123.4 µs: the second frame is at .000123400, which microseconds cut to 123.
        Assert.Equal(nanoseconds ? 123_400u : 123u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24 + 16 + builder.Frames[0].Data.Length + 4)));
    }

    [Fact]
    public void PcapNg_HasOneNanosecondInterfaceAndAnEpbPerFrame()
    {
        TrafficBuilder builder = Script();
        byte[] file = builder.ToPcapNgBytes();

        int shbLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4));
        int idb = shbLength;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(idb)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(idb + 8)));
        Assert.Equal(new byte[] { 9, 0, 1, 0, 9 }, file[(idb + 16)..(idb + 21)]);  // if_tsresol = 9
        int offset = idb + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(idb + 4));
        foreach (BuiltFrame frame in builder.Frames)
        {
            Assert.Equal(6u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset)));
            ulong nanos = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 12)) << 32)
                | BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 16));
            Assert.Equal((ulong)frame.TimestampNanos, nanos);
            offset += (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 4));
        }
        Assert.Equal(file.Length, offset);
    }

    [Fact]
    public void AddRawFrame_KeepsACopyAndTheGivenTime()
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Raw);
        byte[] frame = [0x45, 0x00];
        builder.AddRawFrame(42, frame);
        frame[0] = 0;

        Assert.Equal(new BuiltFrame(42, builder.Frames[0].Data, LinkTypes.Raw), builder.Frames[0]);
        Assert.Equal(new byte[] { 0x45, 0x00 }, builder.Frames[0].Data);
        Assert.Equal(1_700_000_000_000_000_000, builder.Now);
    }
}
