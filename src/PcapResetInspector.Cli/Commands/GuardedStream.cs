namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// A binary export (Parquet) that fails alone, as <see cref="GuardedTextWriter"/> does for text: the first
/// I/O error is kept in <see cref="Failure"/> and later writes are dropped, so the run goes on, the other
/// outputs are written, and the owner reports this one once with its name and discards it.
/// </summary>
public sealed class GuardedStream(Stream inner) : Stream
{
    // Counted here rather than asked of the file: Parquet's offsets must stay right after a failed write too.
    private long _position = inner.CanSeek ? inner.Position : 0;

    public IOException? Failure { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _position += buffer.Length;
        if (Failure is not null)
            return;
        try { inner.Write(buffer); }
        catch (IOException e) { Failure = e; }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
        if (Failure is not null)
            return;
        try { inner.Flush(); }
        catch (IOException e) { Failure = e; }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
