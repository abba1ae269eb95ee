namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Reads a stream in large blocks and lets a parser look at the bytes in place. Records are parsed
/// straight out of <see cref="Window"/>, and a packet's data is a slice of it, valid until the next
/// <see cref="Fill"/> (which may move the bytes to the front of the buffer or into a larger one).
/// Only forward reads: never Length, Position or Seek, so pipes and standard input work.
/// </summary>
internal sealed class InputBuffer : IDisposable
{
    /// <summary>Read size: large enough that a read per megabyte costs nothing next to parsing.</summary>
    public const int DefaultSize = 1 << 20;

    /// <summary>No record or block may need more than this in one piece (256 MiB plus a block header).</summary>
    public const int MaxSize = CaptureLimits.MaxRecordBytes + 64;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;   // stream offset of _buffer[0]
    private bool _endOfStream;

    /// <param name="stream">The stream to read; only Read is called.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the stream open.</param>
    /// <param name="alreadyRead">Bytes already taken from the stream (format detection), served first.</param>
    /// <param name="initialSize">First buffer size; tests use tiny ones to reach the grow and compact paths.</param>
    public InputBuffer(Stream stream, bool leaveOpen, ReadOnlySpan<byte> alreadyRead, int initialSize = DefaultSize)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[Math.Max(initialSize, Math.Max(alreadyRead.Length, 16))];
        alreadyRead.CopyTo(_buffer);
        _end = alreadyRead.Length;
    }

    /// <summary>Stream offset of the first unconsumed byte.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Stream offset of the next byte to be read from the stream (for messages about failed reads).</summary>
    public long StreamOffset => _bufferOffset + _end;

    /// <summary>Bytes read from the stream and not consumed yet.</summary>
    public int Available => _end - _start;

    /// <summary>The unconsumed bytes.</summary>
    public ReadOnlySpan<byte> Window => _buffer.AsSpan(_start, _end - _start);

    /// <summary>True once the stream has reported its end and every byte has been consumed.</summary>
    public bool AtEnd => _endOfStream && _start == _end;

    /// <summary>Current buffer capacity (for tests: it must stay bounded).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available unless the stream ends first, and returns
    /// how many are available. Grows the buffer only as bytes actually arrive, so a corrupt length in a
    /// short file does not allocate the length it claims. Stream exceptions propagate to the caller.
    /// </summary>
    public int Fill(int count)
    {
        if (count > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Callers check record lengths against CaptureLimits first.");
        }

        while (_end - _start < count && !_endOfStream)
        {
            if (_end == _buffer.Length)
            {
                MakeRoom(count);
            }

            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read <= 0)
            {
                _endOfStream = true;
            }
            else
            {
                _end += read;
            }
        }

        return _end - _start;
    }

    /// <summary>Consumes <paramref name="count"/> available bytes.</summary>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_end - _start))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _start += count;
    }

    /// <summary>
    /// Consumes <paramref name="count"/> bytes, reading through the stream without keeping them, and
    /// returns how many were consumed (fewer only at the end of the stream).
    /// </summary>
    public long Skip(long count)
    {
        long skipped = 0;
        while (skipped < count)
        {
            if (_start == _end && Fill(1) == 0)
            {
                break;
            }

            int step = (int)Math.Min(_end - _start, count - skipped);
            _start += step;
            skipped += step;
        }

        return skipped;
    }

    private void MakeRoom(int count)
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            // Move the partial record to the front; the rest of the buffer takes the next read.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _bufferOffset += _start;
            _start = 0;
            _end = pending;
            return;
        }

        // The whole buffer is one unfinished record: double it, but never beyond what the record needs.
        int newSize = (int)Math.Min(Math.Max((long)_buffer.Length * 2, 16), Math.Max(count, _buffer.Length + 1));
        var larger = new byte[newSize];
        Buffer.BlockCopy(_buffer, 0, larger, 0, pending);
        _buffer = larger;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
