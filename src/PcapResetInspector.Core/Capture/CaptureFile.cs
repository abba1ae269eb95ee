using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Opens capture files. The format comes from the first bytes, never the file name: classic pcap or pcapng.
/// Anything else gives a source that reports why and delivers nothing.
/// </summary>
public static class CaptureFile
{
    private const int MagicLength = 8;   // bytes read to recognise a format

    /// <summary>
    /// Opens a file for reading. Throws only what opening the file throws (FileNotFoundException,
    /// DirectoryNotFoundException, UnauthorizedAccessException, IOException); every problem with its
    /// content is reported by the returned source.
    /// </summary>
    public static CaptureFileSource Open(string path)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,   // a capture still being written can be read
            BufferSize = 0,                                    // the reader reads in large blocks itself
            Options = FileOptions.SequentialScan,
        });
        return Open(stream, path);
    }

    /// <summary>
    /// Reads a capture from a stream (standard input: name "-"), which may be non-seekable: only Read is
    /// called. The source disposes the stream. Never throws for the stream's content or read errors.
    /// </summary>
    public static CaptureFileSource Open(Stream stream, string name) => Open(stream, name, leaveOpen: false);

    /// <summary>As <see cref="Open(Stream, string)"/>, leaving the stream open when asked.</summary>
    public static CaptureFileSource Open(Stream stream, string name, bool leaveOpen) =>
        Open(stream, name, leaveOpen, InputBuffer.DefaultSize);

    /// <param name="bufferSize">First read-buffer size; tests pass tiny ones to exercise buffer growth.</param>
    internal static CaptureFileSource Open(Stream stream, string name, bool leaveOpen, int bufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var context = new ReadContext(name);
        Span<byte> head = stackalloc byte[MagicLength];
        int count;
        try
        {
            count = stream.ReadAtLeast(head, MagicLength, throwOnEndOfStream: false);
        }
        catch (Exception exception) when (IsReadFailure(exception))
        {
            StopOnReadFailure(context, exception, 0);
            return new CaptureFileSource(context, null, null, CaptureCompression.None, leaveOpen ? null : stream);
        }

        ReadOnlySpan<byte> magic = head[..count];
        var input = new InputBuffer(stream, leaveOpen, magic, bufferSize);
        uint magicNumber = count >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(magic) : 0;
        FormatReader? reader = count < 4 ? null
            : PcapReader.IsMagic(magicNumber) ? new PcapReader(input, context, magicNumber)
            : magicNumber == PcapNgReader.SectionHeaderType ? new PcapNgReader(input, context)
            : null;
        if (reader is null)
        {
            Reject(context, magic);
            return new CaptureFileSource(context, input, null, CaptureCompression.None, null);
        }

        try
        {
            reader.ReadFileHeader();
        }
        catch (Exception exception) when (IsReadFailure(exception))
        {
            StopOnReadFailure(context, exception, input.StreamOffset);
        }

        return new CaptureFileSource(context, input, reader, CaptureCompression.None, null);
    }

    private static void Reject(ReadContext context, ReadOnlySpan<byte> magic)
    {
        if (magic.IsEmpty)
        {
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0, "the file is empty: no capture header");
        }
        else if (magic.Length < 4)
        {
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0,
                $"only {magic.Length} byte{(magic.Length == 1 ? "" : "s")} ({Hex(magic)}): too short for a capture file header");
        }
        else
        {
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0,
                $"not a pcap or pcapng capture: it starts with {Hex(magic)} " +
                "(pcap starts with A1 B2 C3 D4, A1 B2 3C 4D or those reversed; pcapng with 0A 0D 0D 0A)");
        }
    }

    /// <summary>The exceptions a stream or decompressor throws for a failed read, caught and reported.</summary>
    internal static bool IsReadFailure(Exception exception) =>
        exception is IOException or InvalidDataException or UnauthorizedAccessException
            or NotSupportedException or ObjectDisposedException;

    internal static void StopOnReadFailure(ReadContext context, Exception exception, long offset)
    {
        if (exception is InvalidDataException)
        {
            context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, offset,
                $"data is corrupt at {context.At(offset)}: {exception.Message}");
        }
        else
        {
            context.Stop(CaptureProblemKind.IoError, ProblemSeverity.Error, offset,
                $"reading failed at {context.At(offset)}: {exception.Message}");
        }
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (byte value in bytes)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(value.ToString("X2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
