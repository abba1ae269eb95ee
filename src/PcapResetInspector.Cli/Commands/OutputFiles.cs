using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The files a run writes, each under a temporary name until <see cref="CommitAll"/> moves them into
/// place together; an error or an early exit removes them. Opening failures become one clear line.
/// </summary>
public sealed class OutputFiles(TextWriter error) : IDisposable
{
    private readonly Dictionary<string, AtomicFileWriter> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GuardedTextWriter> _textWriters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GuardedStream> _guardedStreams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Exception> _failures = new(StringComparer.Ordinal);

    /// <summary>The file being written or committed when an I/O error came, for its message.</summary>
    public string? CurrentName { get; private set; }

    /// <summary>Opens <paramref name="path"/> (null: nothing to open, success). False after reporting why it cannot be written.</summary>
    public bool TryOpen(string? path, out TextWriter? writer, bool binary = false)
    {
        writer = null;
        if (path is null)
            return true;
        if (Directory.Exists(path))
        {
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': it is a directory"));
            return false;
        }
        try
        {
            var file = new AtomicFileWriter(path);
            if (!_files.TryAdd(path, file))
            {
                file.Dispose();
                error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}' twice in one run"));
                return false;
            }
            if (!binary)
            {
                // A full disk under one output must not end the run: the others are still written.
                var guarded = new GuardedTextWriter(file.Writer);
                _textWriters[path] = guarded;
                writer = guarded;
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {Reason(e)}"));
            return false;
        }
    }

    public Stream BinaryStream(string path) => _files[path].Stream;

    /// <summary>A binary export's stream whose write errors are kept and reported like a text output's, not thrown.</summary>
    public Stream GuardedBinaryStream(string path)
    {
        var guarded = new GuardedStream(_files[path].Stream);
        _guardedStreams[path] = guarded;
        return guarded;
    }

    /// <summary>A binary output (the flagged-packet extract) could not be written; it is discarded, the others go on.</summary>
    public void MarkFailed(string path, Exception failure) => _failures.TryAdd(path, failure);

    /// <summary>
    /// Reports, one line each, the outputs that failed while being written, and discards them (a half-written
    /// file is not left behind); true when there was one. The other outputs stay to be committed.
    /// </summary>
    public bool ReportFailures()
    {
        foreach (var (path, writer) in _textWriters)
        {
            if (writer.Failure is { } failure)
                _failures.TryAdd(path, failure);
        }
        foreach (var (path, stream) in _guardedStreams)
        {
            if (stream.Failure is { } failure)
                _failures.TryAdd(path, failure);
        }
        foreach (var (path, failure) in _failures)
        {
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {Reason(failure)}; it was not kept, the other outputs were"));
            if (_files.Remove(path, out AtomicFileWriter? file))
                file.Dispose();
        }
        return _failures.Count > 0;
    }

    public void CommitAll()
    {
        foreach (var (path, file) in _files)
        {
            CurrentName = path;
            file.Commit();
        }
        CurrentName = null;
    }

    public void Dispose()
    {
        foreach (AtomicFileWriter file in _files.Values)
            file.Dispose();
    }

    private const int ENOSPC = 28;

    /// <summary>Why, in the words of strerror, without the temporary name the file is written under.</summary>
    internal static string Reason(Exception e) => e switch
    {
        IOException io when io.HResult == ENOSPC || io.Message.StartsWith("No space left on device", StringComparison.Ordinal) => "no space left on the device",
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "no such directory",
        FileNotFoundException => "files cannot be created there",
        PathTooLongException => "the name is too long",
        // .NET adds the path it wrote to (a temporary name) after " : "; the user knows the file by its own name.
        _ => e.Message.Split(" : '", 2)[0].TrimEnd(),
    };

    /// <summary>
    /// Why an input could not be opened, as one line (not yet escaped). A missing file or directory on the
    /// way is "no such file"; EACCES (UnauthorizedAccessException) is "permission denied", never "no such file".
    /// </summary>
    internal static string InputOpenError(string input, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"pcap-reset-inspector: '{input}': no such file",
        UnauthorizedAccessException => $"pcap-reset-inspector: cannot open '{input}': permission denied",
        _ => $"pcap-reset-inspector: cannot open '{input}': {Reason(e)}",
    };
}
