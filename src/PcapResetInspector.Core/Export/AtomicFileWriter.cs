using System.Text;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// A text file written under a temporary name beside its target and renamed over it only when
/// complete, so an interrupted run never leaves a half-written file that looks whole.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _targetPath;
    private readonly string _temporaryPath;
    private readonly FileStream _stream;
    private bool _committed;

    public AtomicFileWriter(string targetPath)
    {
        _targetPath = Path.GetFullPath(targetPath);
        string directory = Path.GetDirectoryName(_targetPath) ?? ".";
        _temporaryPath = Path.Combine(directory, "." + Path.GetFileName(_targetPath) + "." + Environment.ProcessId + ".partial");
        _stream = new FileStream(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        Writer = new StreamWriter(_stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16) { NewLine = "\n" };
    }

    public TextWriter Writer { get; }

    public string TargetPath => _targetPath;

    /// <summary>Flushes and moves the finished file into place.</summary>
    public void Commit()
    {
        if (_committed)
            return;
        Writer.Flush();
        _stream.Flush(flushToDisk: true);
        Writer.Dispose();
        File.Move(_temporaryPath, _targetPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Without <see cref="Commit"/>, the temporary file is removed.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        Writer.Dispose();
        try { File.Delete(_temporaryPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
