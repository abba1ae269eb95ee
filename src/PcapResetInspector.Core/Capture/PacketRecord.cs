namespace PcapResetInspector.Core.Capture;

/// <summary>
/// One captured frame as a reader hands it out. The bytes live in the reader's buffer and are
/// overwritten by the next read, which is why this is a ref struct: the compiler keeps it from
/// being stored past that point.
/// </summary>
public readonly ref struct PacketRecord
{
    public PacketRecord(ReadOnlySpan<byte> data, long timestampNanos, int originalLength, int linkType, int interfaceId)
        : this(data, timestampNanos, originalLength, linkType, interfaceId, UnknownFcsLength)
    {
    }

    public PacketRecord(
        ReadOnlySpan<byte> data, long timestampNanos, int originalLength, int linkType, int interfaceId, int fcsLength)
    {
        Data = data;
        TimestampNanos = timestampNanos;
        OriginalLength = originalLength;
        LinkType = linkType;
        InterfaceId = interfaceId;
        FcsLength = fcsLength;
    }

    /// <summary><see cref="FcsLength"/> when the capture does not say whether frames end with an FCS.</summary>
    public const int UnknownFcsLength = -1;

    /// <summary>The captured bytes (at most the snapshot length).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Nanoseconds since the Unix epoch, UTC.</summary>
    public long TimestampNanos { get; }

    /// <summary>The frame's length on the wire, which may exceed <see cref="Data"/>'s length.</summary>
    public int OriginalLength { get; }

    /// <summary>LINKTYPE_ value of the interface the frame was captured on (see <see cref="LinkTypes"/>).</summary>
    public int LinkType { get; }

    /// <summary>Interface index within the file (pcapng); 0 for classic pcap.</summary>
    public int InterfaceId { get; }

    /// <summary>
    /// Bytes of frame check sequence at the end of <see cref="Data"/> as the capture states it (pcap link-type
    /// field with the P bit, pcapng if_fcslen): 0 when it states there is none, <see cref="UnknownFcsLength"/>
    /// when it does not say.
    /// </summary>
    public int FcsLength { get; }
}
