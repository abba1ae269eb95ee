using Microsoft.Win32.SafeHandles;

namespace PcapResetInspector.Cli;

/// <summary>
/// The process's own standard input and output where .NET's console streams do not say enough: whether
/// standard input was closed when the process started, and whether the reader of standard output has gone
/// away (`| head`), which the console stream hides by dropping every later write.
/// </summary>
public static class StandardStreams
{
    private const int EPIPE = 32;
    private static readonly Lazy<bool> InputClosed = new(InspectInput);
    private static readonly CancellationTokenSource OutputClosedSource = new();

    /// <summary>
    /// True when the process started with descriptor 0 closed (`&lt;&amp;-`). The runtime then takes 0 for
    /// one of its own pipes, so reading "standard input" would wait forever on the runtime's pipe.
    /// </summary>
    public static bool InputIsClosed => InputClosed.Value;

    /// <summary>Cancelled once a write to standard output found its reader gone.</summary>
    public static CancellationToken OutputClosed => OutputClosedSource.Token;

    /// <summary>Looks at descriptor 0 now, before anything else in the process can open a descriptor that lands on it.</summary>
    public static void InspectAtStart() => _ = InputClosed.Value;

    /// <summary>True for the error of a write to a pipe nobody reads any more (EPIPE).</summary>
    public static bool IsBrokenPipe(Exception e) => e is IOException { HResult: EPIPE } && !OperatingSystem.IsWindows();

    /// <summary>
    /// Standard output as a stream whose writes fail with EPIPE when it is a pipe whose reader has left, so
    /// the run can stop instead of analysing to the end for nobody. Terminals and files keep the console
    /// stream: they cannot lose their reader, and a file must be written at the descriptor's own offset
    /// (`{ a; b; } &gt; out`), which a FileStream over a seekable descriptor would not do.
    /// </summary>
    public static Stream OpenOutput()
    {
        if (OperatingSystem.IsWindows() || !Console.IsOutputRedirected)
            return Console.OpenStandardOutput();
        try
        {
            var stream = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!stream.CanSeek)
                return new PipeOutputStream(stream);
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Descriptor 1 closed or unusable: the console stream copes (it drops what cannot be written).
        }
        return Console.OpenStandardOutput();
    }

    private static bool InspectInput()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/fdinfo"))
            return false; // nothing to look with: take it as open, as before
        try
        {
            // An inherited descriptor 0 cannot carry close-on-exec (exec would have closed it); one that
            // does was opened by this process after it started, i.e. the real one had been closed.
            foreach (string line in File.ReadLines("/proc/self/fdinfo/0"))
            {
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                {
                    int flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
                    const int O_CLOEXEC = 0x80000;
                    return (flags & O_CLOEXEC) != 0;
                }
            }
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return true; // no descriptor 0 at all
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Tells everyone waiting on <see cref="OutputClosed"/> before the write's error goes up the stack.</summary>
    private sealed class PipeOutputStream(FileStream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                inner.Write(buffer);
            }
            catch (IOException e) when (IsBrokenPipe(e))
            {
                // A reader thread blocked on an idle input must not hold the exit back.
                OutputClosedSource.Cancel();
                throw;
            }
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
