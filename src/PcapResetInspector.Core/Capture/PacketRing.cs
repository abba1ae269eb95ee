using System.Buffers.Binary;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// A bounded ring of captured frames between one thread that takes packets off the kernel and one that
/// analyses them, as Suricata's autofp runmode and Zeek's packet sources decouple capture from work: the
/// capture thread never waits for the analysis, so a burst is absorbed here instead of overflowing the kernel
/// buffer. When the ring is full the frame is dropped and counted in <see cref="Dropped"/>, apart from the
/// kernel's drops. Frames are copied in once and read in place: nothing is allocated per packet.
/// </summary>
/// <remarks>
/// Single producer (<see cref="TryWrite"/>, <see cref="Complete"/>), single consumer (<see cref="TryReadNext"/>).
/// Records are packed back to back: a 16-byte header (captured length, original length, time stamp) and the
/// bytes padded to 8; a record that would not fit before the end of the buffer leaves a skip marker there and
/// starts at offset 0. Positions are byte counts since the start that only grow, published with volatile writes.
/// </remarks>
public sealed class PacketRing : IPacketSource
{
    private const int HeaderSize = 16;
    private const int SkipMarker = -1;

    private readonly byte[] _buffer;
    private readonly int _maxFrameLength;
    private readonly int _linkType;
    private readonly ManualResetEventSlim _dataReady = new(false, spinCount: 0);

    // Producer-owned, read by the consumer.
    private long _written;
    private volatile bool _completed;
    // Consumer-owned, read by the producer.
    private long _read;
    private int _consumerWaiting;
    private int _pendingRelease;
    private long _lastIdle = Environment.TickCount64;

    /// <param name="capacityBytes">Size of the ring; rounded down to a multiple of 8.</param>
    /// <param name="maxFrameLength">Longest frame to hold (the snapshot length); longer ones are cut to it.</param>
    public PacketRing(long capacityBytes, int maxFrameLength, int linkType, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacityBytes, Array.MaxLength & ~7L);
        // Room for two of the largest records, so that a wrap (skip marker plus record) always fits an empty ring.
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 2L * RecordSize(maxFrameLength));
        _buffer = GC.AllocateUninitializedArray<byte>((int)(capacityBytes & ~7L), pinned: true);
        _maxFrameLength = maxFrameLength;
        _linkType = linkType;
        Name = name;
    }

    public string Name { get; }

    public int CapacityBytes => _buffer.Length;

    /// <summary>Frames the ring had no room for: the analysis was behind by a whole ring.</summary>
    public long Dropped { get; private set; }

    /// <summary>Frames written by the producer.</summary>
    public long Written { get; private set; }

    /// <summary>The most bytes the ring ever held at once, as the producer saw it.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Frames handed to the consumer.</summary>
    public long PacketsRead { get; private set; }

    /// <summary>Bytes written and not yet released by the consumer.</summary>
    public long BytesInUse => Volatile.Read(ref _written) - Volatile.Read(ref _read);

    public CaptureProblem? StopProblem => null;

    public IReadOnlyList<CaptureProblem> Problems => [];

    /// <summary>Called on the consumer's thread when <see cref="IdleInterval"/> passes with nothing to read.</summary>
    public Action? Idle { get; set; }

    public TimeSpan IdleInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>True once the producer called <see cref="Complete"/>.</summary>
    public bool IsCompleted => _completed;

    /// <summary>
    /// Producer: copies a frame in, or counts it in <see cref="Dropped"/> and returns false when the ring is full.
    /// Never blocks.
    /// </summary>
    public bool TryWrite(long timestampNanos, int originalLength, ReadOnlySpan<byte> data)
    {
        if (data.Length > _maxFrameLength)
            data = data[.._maxFrameLength];
        int size = RecordSize(data.Length);
        int capacity = _buffer.Length;
        long written = _written;
        long used = written - Volatile.Read(ref _read);
        int offset = (int)(written % capacity);
        int tail = capacity - offset;
        long needed = tail < size ? tail + size : size;
        if (capacity - used < needed)
        {
            Dropped++;
            return false;
        }

        if (tail < size)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), SkipMarker);
            written += tail;
            offset = 0;
        }

        Span<byte> record = _buffer.AsSpan(offset, size);
        BinaryPrimitives.WriteInt32LittleEndian(record, data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], originalLength);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], timestampNanos);
        data.CopyTo(record[HeaderSize..]);
        Volatile.Write(ref _written, written + size);
        Written++;
        if (used + needed > PeakBytes)
            PeakBytes = used + needed;
        WakeConsumer();
        return true;
    }

    /// <summary>Producer: no more frames will come; the consumer reads what is left, then gets false.</summary>
    public void Complete()
    {
        _completed = true;
        _dataReady.Set();
    }

    /// <summary>
    /// Consumer: the next frame, waiting for one while the producer runs (calling <see cref="Idle"/> every
    /// <see cref="IdleInterval"/> of quiet). False once the producer completed and the ring is empty. The
    /// record's bytes stay valid until the next call.
    /// </summary>
    public bool TryReadNext(out PacketRecord packet)
    {
        while (true)
        {
            if (TryReadAvailable(out packet))
                return true;
            if (_completed)
                return TryReadAvailable(out packet);   // a frame written just before Complete
            WaitForData();
        }
    }

    /// <summary>Consumer: the next frame if one is there now, without waiting.</summary>
    public bool TryReadAvailable(out PacketRecord packet)
    {
        long read = _read + _pendingRelease;
        _pendingRelease = 0;
        while (read != Volatile.Read(ref _written))
        {
            int offset = (int)(read % _buffer.Length);
            int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset));
            if (length == SkipMarker)
            {
                read += _buffer.Length - offset;
                continue;
            }

            Volatile.Write(ref _read, read);
            ReadOnlySpan<byte> record = _buffer.AsSpan(offset, HeaderSize + length);
            int originalLength = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
            long timestamp = BinaryPrimitives.ReadInt64LittleEndian(record[8..]);
            // Released (made writable) on the next read, so the bytes handed out stay put until then.
            _pendingRelease = RecordSize(length);
            packet = new PacketRecord(record[HeaderSize..], timestamp, originalLength, _linkType, interfaceId: 0);
            PacketsRead++;
            return true;
        }

        Volatile.Write(ref _read, read);
        packet = default;
        return false;
    }

    public void Dispose() => _dataReady.Dispose();

    private void WaitForData()
    {
        _dataReady.Reset();
        Volatile.Write(ref _consumerWaiting, 1);
        // Full fence: the producer's "written, then is anyone waiting?" and this "waiting, then is anything
        // written?" cannot both read the old value, so a frame never sits unseen for a whole interval.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _written) == _read && !_completed)
            _dataReady.Wait(IdleInterval);
        Volatile.Write(ref _consumerWaiting, 0);
        // By the clock, not only on a timeout: a trickle of packets must not keep the timers from moving.
        long now = Environment.TickCount64;
        if (now - _lastIdle >= (long)IdleInterval.TotalMilliseconds)
        {
            _lastIdle = now;
            Idle?.Invoke();
        }
    }

    private void WakeConsumer()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _consumerWaiting) != 0)
        {
            _consumerWaiting = 0;
            _dataReady.Set();
        }
    }

    private static int RecordSize(int dataLength) => HeaderSize + ((dataLength + 7) & ~7);
}
