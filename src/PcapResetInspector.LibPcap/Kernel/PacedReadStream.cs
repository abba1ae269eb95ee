namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// trace_pipe wakes a blocked reader for each event, so a trickle of events costs a wakeup, a read(2) and a
/// buffer's decoding apiece: measured on Linux 6.18, 20,000 socket closes a second cost the reader about 11 µs of
/// CPU each. After a read that came back far from full this waits <see cref="Pause"/> before the next, so events
/// arrive in batches; a read that filled most of the buffer is followed at once, so a busy kernel's buffer is
/// still drained as fast as it is read. The events' times come from the kernel, so waiting moves none of them.
/// </summary>
internal sealed class PacedReadStream(Stream inner, TimeSpan pause, Action<TimeSpan>? sleep = null) : Stream
{
    private readonly Action<TimeSpan> _sleep = sleep ?? Thread.Sleep;
    private bool _lastWasShort;

    public TimeSpan Pause { get; } = pause;

    /// <summary>Set when the reader should stop waiting (the owner is stopping).</summary>
    public volatile bool Hurry;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_lastWasShort && !Hurry)
            _sleep(Pause);
        int n = inner.Read(buffer);
        _lastWasShort = n < buffer.Length / 2;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
