using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Opens capture files. The format comes from the first bytes, never the file name: classic pcap, pcapng,
/// either of them gzip-compressed. Known formats that are not read (zstd, Solaris snoop) and anything else
/// give a source that reports why and delivers nothing.
/// </summary>
public static class CaptureFile
{
    private const int MagicLength = 8;   // the longest magic looked at: "snoop\0\0\0"

    /// <summary>
    /// Opens a file for reading. Throws only what opening the file throws (FileNotFoundException,
    /// DirectoryNotFoundException, UnauthorizedAccessException, IOException); every problem with its
    /// content is reported by the returned source.
    /// </summary>
    public static CaptureFileSource Open(string path) => Open(OpenFileStream(path), path);

    /// <summary>
    /// Opens a capture file's stream the way <see cref="Open(string)"/> reads it: shared, so a capture
    /// still being written can be read, unbuffered, because the reader reads large blocks itself.
    /// Callers that show progress keep it to watch its position.
    /// </summary>
    public static FileStream OpenFileStream(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });

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
        var compression = CaptureCompression.None;
        Stream current = stream;
        bool currentLeaveOpen = leaveOpen;
        Span<byte> head = stackalloc byte[MagicLength];
        while (true)
        {
            int count;
            try
            {
                count = current.ReadAtLeast(head, MagicLength, throwOnEndOfStream: false);
            }
            catch (Exception exception) when (IsReadFailure(exception))
            {
                StopOnReadFailure(context, exception, 0);
                return new CaptureFileSource(context, null, null, compression, currentLeaveOpen ? null : current);
            }

            ReadOnlySpan<byte> magic = head[..count];
            if (count >= 2 && magic[0] == 0x1F && magic[1] == 0x8B && compression == CaptureCompression.None)
            {
                // RFC 1952 member header. GZipStream also reads concatenated members, as gzip -d does.
                compression = CaptureCompression.Gzip;
                context.Decompressed = true;
                current = new GZipStream(new PrefixedStream(magic, current, currentLeaveOpen), CompressionMode.Decompress, leaveOpen: false);
                currentLeaveOpen = false;
                continue;
            }

            var input = new InputBuffer(current, currentLeaveOpen, magic, bufferSize);
            uint magicNumber = count >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(magic) : 0;
            FormatReader? reader = count < 4 ? null
                : PcapReader.IsMagic(magicNumber) ? new PcapReader(input, context, magicNumber)
                : magicNumber == PcapNgReader.SectionHeaderType ? new PcapNgReader(input, context)
                : null;
            if (reader is null)
            {
                Reject(context, magic, compression);
                return new CaptureFileSource(context, input, null, compression, null);
            }

            try
            {
                reader.ReadFileHeader();
            }
            catch (Exception exception) when (IsReadFailure(exception))
            {
                StopOnReadFailure(context, exception, input.StreamOffset);
            }

            return new CaptureFileSource(context, input, reader, compression, null);
        }
    }

    private static void Reject(ReadContext context, ReadOnlySpan<byte> magic, CaptureCompression compression)
    {
        string inside = compression == CaptureCompression.Gzip ? " inside the gzip data" : "";
        if (magic.IsEmpty)
        {
            string message = compression == CaptureCompression.Gzip
                ? "the gzip data decompresses to nothing: no capture inside"
                : "the file is empty: no capture header";
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0, message);
        }
        else if (magic.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            context.Stop(CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error, 0,
                $"zstd-compressed capture{inside}: decompress it first (zstd -d)");
        }
        else if (magic.SequenceEqual("snoop\0\0\0"u8))
        {
            context.Stop(CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error, 0,
                $"Solaris snoop capture{inside}: unsupported format (convert it first, e.g. editcap -F pcap IN OUT)");
        }
        else if (magic.Length >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            context.Stop(CaptureProblemKind.UnsupportedFormat, ProblemSeverity.Error, 0,
                "gzip data inside gzip data: decompress the outer layer first (gzip -d)");
        }
        else if (magic.Length < 4)
        {
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0,
                $"only {magic.Length} byte{(magic.Length == 1 ? "" : "s")}{inside} ({Hex(magic)}): too short for a capture file header");
        }
        else
        {
            context.Stop(CaptureProblemKind.NotACaptureFile, ProblemSeverity.Error, 0,
                $"not a pcap or pcapng capture{inside}: it starts with {Hex(magic)} " +
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
            // Only the decompressor throws this: the compressed data is damaged.
            context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, offset,
                $"compressed data is corrupt at {context.At(offset)}: {exception.Message}");
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
