using System.Buffers.Binary;

namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>Appends integers in a chosen byte order: the building block of the capture builders.</summary>
internal sealed class ByteWriter
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public ByteWriter U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public ByteWriter U16(ushort value, bool bigEndian)
    {
        Span<byte> buffer = stackalloc byte[2];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, value);
        }

        _bytes.AddRange(buffer);
        return this;
    }

    public ByteWriter U32(uint value, bool bigEndian)
    {
        Span<byte> buffer = stackalloc byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        }

        _bytes.AddRange(buffer);
        return this;
    }

    public ByteWriter U64(ulong value, bool bigEndian)
    {
        Span<byte> buffer = stackalloc byte[8];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        }

        _bytes.AddRange(buffer);
        return this;
    }

    public ByteWriter Bytes(ReadOnlySpan<byte> value)
    {
        _bytes.AddRange(value);
        return this;
    }

    /// <summary>Zero bytes up to the next multiple of 4 (pcapng §3.1 padding).</summary>
    public ByteWriter PadTo4()
    {
        while (_bytes.Count % 4 != 0)
        {
            _bytes.Add(0);
        }

        return this;
    }

    public byte[] ToArray() => [.. _bytes];
}
