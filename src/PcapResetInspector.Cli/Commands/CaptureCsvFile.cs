using System.Text;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// `capture --csv FILE`: rows are appended to what the file already holds, so successive captures build
/// one table. The header is written only to a new or empty file, and flushed before the first packet, so
/// a capture killed at once still leaves a valid CSV; a file whose first line is another header is refused
/// rather than mixed with ours.
/// </summary>
public static class CaptureCsvFile
{
    /// <summary>Our header line as <see cref="CsvConnectionWriter"/> writes it, without its CRLF.</summary>
    public static string HeaderLine { get; } = string.Join(',', CsvConnectionWriter.Columns);

    /// <summary>
    /// Success when <paramref name="path"/> is new, empty or starts with our header; otherwise the exit code
    /// after one line saying why (usage error for a foreign header). Reads only, so it can run before capturing.
    /// </summary>
    public static int Check(string path, TextWriter error)
    {
        string? first;
        try
        {
            if (Directory.Exists(path))
                return CannotWrite(path, "it is a directory", error);
            first = File.Exists(path) ? FirstLine(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return CannotWrite(path, OutputFiles.Reason(e), error);
        }
        return first is null || first == HeaderLine ? ExitCodes.Success : Foreign(path, error);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for appending and returns the exporter, its header already on disk when
    /// the file was new. The writer goes into <paramref name="files"/> for disposal. Exit code as <see cref="Check"/>.
    /// </summary>
    public static int Open(string path, TextWriter error, List<IDisposable> files, out CsvConnectionWriter? exporter, out GuardedTextWriter? guarded)
    {
        exporter = null;
        guarded = null;
        int checkedCode = Check(path, error);
        if (checkedCode != ExitCodes.Success)
            return checkedCode;
        try
        {
            // Unbuffered: the writer above buffers, and a failed write must not linger in a second buffer.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            files.Add(stream);
            bool isNew = stream.Length == 0;
            // Checked again on the open file: it may have changed since Check.
            if (!isNew && ReadFirstLine(stream) != HeaderLine)
                return Foreign(path, error);
            bool endsMidLine = !isNew && EndsMidLine(stream);
            stream.Seek(0, SeekOrigin.End);
            var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            files.Add(writer);
            // A row cut short by a killed capture: end it, so the next row starts on its own line.
            if (endsMidLine)
                writer.Write("\r\n");
            guarded = new GuardedTextWriter(writer, stream);
            exporter = new CsvConnectionWriter(guarded, leaveOpen: true, writeHeader: isNew);
            guarded.Flush();
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return CannotWrite(path, OutputFiles.Reason(e), error);
        }
    }

    private static int CannotWrite(string path, string reason, TextWriter error)
    {
        error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {reason}"));
        return ExitCodes.WriteError;
    }

    private static int Foreign(string path, TextWriter error)
    {
        error.WriteLine(SafeText.Escape($"pcap-reset-inspector: --csv '{path}': its first line is not this tool's CSV header; " +
                                        "name a new or empty file rather than mixing formats"));
        return ExitCodes.UsageError;
    }

    private static string? FirstLine(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return stream.Length == 0 ? null : ReadFirstLine(stream);
    }

    /// <summary>The first line (up to 64 KiB), without its line end; the stream's position is left anywhere.</summary>
    private static string ReadFirstLine(Stream stream)
    {
        stream.Seek(0, SeekOrigin.Begin);
        byte[] buffer = new byte[Math.Min(stream.Length, 1 << 16)];
        int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        int end = Array.IndexOf(buffer, (byte)'\n', 0, length);
        string line = Encoding.UTF8.GetString(buffer, 0, end < 0 ? length : end);
        return line.TrimEnd('\r');
    }

    private static bool EndsMidLine(Stream stream)
    {
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }
}
