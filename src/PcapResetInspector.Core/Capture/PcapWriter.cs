using System.Buffers.Binary;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Writes the classic libpcap savefile format (draft-ietf-opsawg-pcap §4-5), little-endian,
/// version 2.4. Packets go through an internal buffer, so writing one allocates nothing.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>Magic for microsecond timestamps (draft-ietf-opsawg-pcap §4).</summary>
    public const uint MicrosecondMagic = 0xA1B2C3D4;
    /// <summary>Magic for nanosecond timestamps.</summary>
    public const uint NanosecondMagic = 0xA1B23C4D;
    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;

    private readonly CaptureOutputBuffer _output;
    private readonly bool _leaveOpen;
    private bool _disposed;

    public PcapWriter(Stream stream, int linkType, int snapLength = 262144, bool nanosecondResolution = false, bool leaveOpen = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(linkType);
        // A snaplen of 0 has no meaning in this format; libpcap treats it as "use the maximum".
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);

        _output = new CaptureOutputBuffer(stream);
        _leaveOpen = leaveOpen;
        LinkType = linkType;
        SnapLength = snapLength;
        NanosecondResolution = nanosecondResolution;

        Span<byte> header = stackalloc byte[FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, nanosecondResolution ? NanosecondMagic : MicrosecondMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);   // major version
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);   // minor version
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);    // reserved (was thiszone)
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);  // reserved (was sigfigs)
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
        // LinkType and the FCS bits share this field (§5); callers pass the whole value.
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linkType);
        _output.Append(header);
    }

    public int LinkType { get; }
    public int SnapLength { get; }
    public bool NanosecondResolution { get; }

    /// <summary>
    /// Appends one record. <paramref name="data"/> is cut to the snapshot length; the record keeps
    /// <paramref name="originalLength"/> as the length on the wire.
    /// </summary>
    /// <summary>Whether classic pcap's unsigned 32-bit seconds hold this time exactly (1970 to 2106).</summary>
    public static bool FitsClassicPcap(long timestampNanos) => timestampNanos >= 0 && timestampNanos / 1_000_000_000 <= uint.MaxValue;

    public void WritePacket(long timestampNanos, ReadOnlySpan<byte> data, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(originalLength);
        // A record whose captured length exceeds its original length is copied as it is, as tshark -w and
        // editcap do: the reader accepted it with a warning, and an extract must not fail on it.

        // The seconds field is a 32-bit count (§5): unsigned it ends in 2106; a time outside that range
        // keeps its low 32 bits (two's complement before 1970, as the historical signed field held it).
        // Callers that need the exact time use pcapng (see FitsClassicPcap).
        long seconds = Math.DivRem(timestampNanos, 1_000_000_000, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += 1_000_000_000;
        }
        if (!NanosecondResolution)
        {
            fraction /= 1000;
        }

        ReadOnlySpan<byte> captured = data.Length > SnapLength ? data[..SnapLength] : data;

        Span<byte> header = stackalloc byte[RecordHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)captured.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)originalLength);

        _output.Append(header);
        _output.Append(captured);
    }

    /// <summary>Pushes buffered records to the stream and flushes it.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.FlushAll();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _output.Close(_leaveOpen);
    }
}
