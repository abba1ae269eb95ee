namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Collects small writes into one array so that capture writers touch the stream once per 64 KiB,
/// and so that a record costs no allocation (Stream.Write(byte[], ...) needs no rented copy).
/// </summary>
internal sealed class CaptureOutputBuffer
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _buffered;

    public CaptureOutputBuffer(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }
        _stream = stream;
    }

    public Stream Stream => _stream;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > BufferSize - _buffered)
        {
            FlushToStream();
            if (bytes.Length > BufferSize)
            {
                _stream.Write(bytes);
                return;
            }
        }
        bytes.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += bytes.Length;
    }

    /// <summary>Appends <paramref name="count"/> zero bytes (block padding: at most a few).</summary>
    public void AppendZeros(int count)
    {
        Span<byte> zeros = stackalloc byte[4];
        zeros.Clear();
        while (count > 0)
        {
            int chunk = Math.Min(count, zeros.Length);
            Append(zeros[..chunk]);
            count -= chunk;
        }
    }

    public void FlushToStream()
    {
        if (_buffered > 0)
        {
            _stream.Write(_buffer, 0, _buffered);
            _buffered = 0;
        }
    }

    /// <summary>Pushes buffered bytes to the stream and flushes the stream.</summary>
    public void FlushAll()
    {
        FlushToStream();
        _stream.Flush();
    }

    /// <summary>Flushes everything, then disposes the stream unless the caller keeps it.</summary>
    public void Close(bool leaveOpen)
    {
        try
        {
            FlushAll();
        }
        finally
        {
            if (!leaveOpen)
                _stream.Dispose();
        }
    }
}
