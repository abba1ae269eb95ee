using System.Text;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// A file written under a temporary name beside its target and renamed over it only when complete,
/// so an interrupted run never leaves a half-written file that looks whole. Text goes through
/// <see cref="Writer"/>, bytes (a capture) through <see cref="Stream"/>; use one or the other.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _targetPath;
    private readonly string _temporaryPath;
    private readonly FileStream _stream;
    private StreamWriter? _writer;
    private bool _committed;

    public AtomicFileWriter(string targetPath)
    {
        _targetPath = Path.GetFullPath(targetPath);
        if (IsSpecialFile(_targetPath))
        {
            // /dev/null, /dev/stdout, a terminal: written in place; renaming over them would replace the device.
            _temporaryPath = _targetPath;
            _inPlace = true;
            _stream = new FileStream(_targetPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            return;
        }
        string directory = Path.GetDirectoryName(_targetPath) ?? ".";
        // A random name created exclusively: a symlink planted beside the target is never written through.
        _stream = ExclusiveTempFile.Create(directory, "." + Path.GetFileName(_targetPath) + ".", ".partial", out _temporaryPath);
    }

    private readonly bool _inPlace;

    /// <summary>Device and process files (after following links): nothing there is a regular file to replace.</summary>
    private static bool IsSpecialFile(string fullPath)
    {
        string resolved = fullPath;
        try
        {
            if (File.ResolveLinkTarget(fullPath, returnFinalTarget: true) is { } target)
                resolved = target.FullName;
        }
        catch (IOException)
        {
        }
        return OperatingSystem.IsWindows()
            ? resolved.StartsWith(@"\\.\", StringComparison.Ordinal) || Path.GetFileNameWithoutExtension(resolved).Equals("NUL", StringComparison.OrdinalIgnoreCase)
            : resolved.StartsWith("/dev/", StringComparison.Ordinal) || resolved.StartsWith("/proc/", StringComparison.Ordinal);
    }

    /// <summary>UTF-8 without a byte order mark, "\n" line ends (CSV writes its own CRLF).</summary>
    public TextWriter Writer => _writer ??= new StreamWriter(_stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };

    public Stream Stream => _stream;

    public string TargetPath => _targetPath;

    /// <summary>Flushes and moves the finished file into place.</summary>
    public void Commit()
    {
        if (_committed)
            return;
        _writer?.Flush();
        _stream.Flush(flushToDisk: true);
        _writer?.Dispose();
        _stream.Dispose();
        // rename(2): a symlink at the target is replaced by the file, not written through.
        if (!_inPlace)
            File.Move(_temporaryPath, _targetPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Without <see cref="Commit"/>, the temporary file is removed.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        // A full disk fails the final flushes too; the handle is closed and the file removed all the same
        // (a handle left open would keep the disk's space, and its mount, busy).
        try { _writer?.Dispose(); } catch (IOException) { }
        try { _stream.Dispose(); } catch (IOException) { }
        if (!_inPlace)
        {
            try { File.Delete(_temporaryPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
