using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>One record of a capture, decoded by the project's decoder.</summary>
internal sealed class DecodedPacket(TcpSegment segment, byte[] frame, int originalLength)
{
    public TcpSegment Segment = segment;

    public byte[] Frame { get; } = frame;
    public int OriginalLength { get; } = originalLength;
    public long Time => Segment.TimestampNanos;
    public TcpFlags Flags => Segment.Flags;
    public IpAddress128 Source => Segment.SourceAddress;
    public IpAddress128 Destination => Segment.DestinationAddress;
    public ushort SourcePort => Segment.SourcePort;
    public ushort DestinationPort => Segment.DestinationPort;
    public uint Seq => Segment.SequenceNumber;
    public uint Ack => Segment.AcknowledgmentNumber;
    public byte Ttl => Segment.Ttl;
    public ushort IpId => Segment.IpId;
    public int PayloadLength => Segment.PayloadLength;

    /// <summary>The four reserved bits of the data-offset byte, read from the frame itself.</summary>
    public int ReservedNibble => Frame[Segment.TcpHeaderOffset + 12] & 0x0F;

    public bool IsSyn => Flags == TcpFlags.Syn;
    public bool IsSynAck => Flags == (TcpFlags.Syn | TcpFlags.Ack);
    public bool IsRstAck => Flags == (TcpFlags.Rst | TcpFlags.Ack);
    public bool IsBareRst => Flags == TcpFlags.Rst;
    public bool IsFin => (Flags & TcpFlags.Fin) != 0;
    public bool IsRst => (Flags & TcpFlags.Rst) != 0;

    public ReadOnlySpan<byte> CapturedPayload => Frame.AsSpan(Segment.PayloadOffset, Segment.CapturedPayloadLength);

    /// <summary>The 4-tuple the same way round from both sides: the lower (address, port) first.</summary>
    public (IpAddress128, ushort, IpAddress128, ushort) Tuple =>
        (Source, SourcePort).CompareTo((Destination, DestinationPort)) <= 0
            ? (Source, SourcePort, Destination, DestinationPort)
            : (Destination, DestinationPort, Source, SourcePort);
}

/// <summary>A generated (or sliced) capture read back: every record decoded, nothing skipped.</summary>
internal sealed class DecodedCapture
{
    private DecodedCapture(List<DecodedPacket> packets, List<DecodeStatus> statuses, CaptureInterface header)
    {
        Packets = packets;
        Statuses = statuses;
        Header = header;
    }

    public List<DecodedPacket> Packets { get; }
    public List<DecodeStatus> Statuses { get; }
    public CaptureInterface Header { get; }

    public static DecodedCapture Generate(CaptureGeneratorOptions options) => Read(CaptureGenerator.Generate(options));

    public static DecodedCapture Read(byte[] file)
    {
        var packets = new List<DecodedPacket>();
        var statuses = new List<DecodeStatus>();
        using CaptureFileSource source = CaptureFile.Open(new MemoryStream(file), "test");
        while (source.TryReadNext(out PacketRecord record))
        {
            DecodeStatus status = PacketDecoder.Decode(in record, out TcpSegment segment);
            statuses.Add(status);
            if (status == DecodeStatus.Tcp)
                packets.Add(new DecodedPacket(segment, record.Data.ToArray(), record.OriginalLength));
        }
        Assert.Empty(source.Problems);
        Assert.Null(source.StopProblem);
        return new DecodedCapture(packets, statuses, source.Interfaces[0]);
    }

    /// <summary>The packets of each 4-tuple, in capture order; tuples in order of their first packet.</summary>
    public List<List<DecodedPacket>> ByTuple() =>
        [.. Packets.GroupBy(p => p.Tuple).Select(group => group.ToList())];
}
