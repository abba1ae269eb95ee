using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// An input as `analyze` reads it: counts the bytes read (the progress line shows them; pipes, FIFOs and
/// standard input have no length or position to ask), and on a pipe gives up a read that is still waiting
/// when the run is cancelled, so Ctrl+C or SIGTERM stop an idle `tcpdump -w - |` at once. A blocking read
/// cannot be interrupted, so it runs on a pool thread that is abandoned (it ends with the process).
/// </summary>
public sealed class ReadingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _canWaitForever;
    private readonly CancellationTokenSource _stop;
    private long _bytesRead;
    private Task<int>? _read;

    /// <param name="length">The input's length when it is known (a regular file), for a percentage.</param>
    public ReadingStream(Stream inner, long? length, CancellationToken cancellation)
    {
        _inner = inner;
        KnownLength = length;
        // Files on disk always answer; only a pipe, FIFO or terminal can wait for ever.
        _canWaitForever = !inner.CanSeek;
        // The reader of standard output leaving stops the run too; a read must not hold it back.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, StandardStreams.OutputClosed);
    }

    /// <summary>Opens a capture file; opening a FIFO waits for its writer, so that wait can be given up too.</summary>
    public static ReadingStream OpenFile(string path, CancellationToken cancellation)
    {
        Task<FileStream> open = Task.Run(() => CaptureFile.OpenFileStream(path), CancellationToken.None);
        FileStream file = Finish(open, cancellation);
        return new ReadingStream(file, file.CanSeek ? file.Length : null, cancellation);
    }

    public long BytesRead => Volatile.Read(ref _bytesRead);

    public long? KnownLength { get; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        _stop.Token.ThrowIfCancellationRequested();
        int read = _canWaitForever
            ? Finish(_read = Task.Run(() => _inner.Read(buffer, offset, count), CancellationToken.None), _stop.Token)
            : _inner.Read(buffer, offset, count);
        Volatile.Write(ref _bytesRead, _bytesRead + read); // one reading thread; the progress timer only looks
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        if (!_canWaitForever)
        {
            _stop.Token.ThrowIfCancellationRequested();
            int read = _inner.Read(buffer);
            Volatile.Write(ref _bytesRead, _bytesRead + read);
            return read;
        }
        // A span cannot go to another thread: read into an array and copy.
        byte[] array = new byte[Math.Min(buffer.Length, 1 << 20)];
        int count = Read(array, 0, array.Length);
        array.AsSpan(0, count).CopyTo(buffer);
        return count;
    }

    /// <summary>The task's result, or OperationCanceledException once cancelled while it still waits.</summary>
    private static T Finish<T>(Task<T> task, CancellationToken cancellation)
    {
        try
        {
            task.Wait(cancellation);
        }
        catch (AggregateException)
        {
            // The operation's own exception is rethrown as it is just below.
        }
        return task.GetAwaiter().GetResult();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Some streams (pipes) wait in Dispose for a read still under way: close a given-up one after it.
            if (_read is { IsCompleted: false } abandoned)
                abandoned.ContinueWith(_ => _inner.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            else
                _inner.Dispose();
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }
}
