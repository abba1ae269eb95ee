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
                writer = file.Writer;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {Reason(e)}"));
            return false;
        }
    }

    public Stream BinaryStream(string path) => _files[path].Stream;

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

    /// <summary>Why, in the words of strerror, without the temporary name the file is written under.</summary>
    internal static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "no such directory",
        FileNotFoundException => "files cannot be created there",
        PathTooLongException => "the name is too long",
        _ => e.Message,
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
