using System.Text;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// A text output that fails alone: the first I/O error (a full disk, a closed pipe) is kept in
/// <see cref="Failure"/> and every later write is dropped, so the run goes on and the other outputs are
/// still written. Whoever owns the output reports the failure once, with the file's name.
/// </summary>
public sealed class GuardedTextWriter(TextWriter inner, Stream? file = null) : TextWriter
{
    /// <summary>The first I/O error, or null while the output is sound.</summary>
    public IOException? Failure { get; private set; }

    /// <summary>
    /// The file's length after the last flush that went through: everything up to it is whole rows. A file
    /// written in place is cut back to it after a failure, so it never ends with half a row.
    /// </summary>
    public long GoodLength { get; private set; } = file?.Position ?? 0;

    public override Encoding Encoding => inner.Encoding;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // the base setter takes null to mean the default
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    // Each write is guarded in place, not through a delegate: the CSV writes a few strings per row.
    public override void Write(char value)
    {
        if (Failure is not null)
            return;
        try { inner.Write(value); }
        catch (IOException e) { Failure = e; }
    }

    public override void Write(string? value)
    {
        if (Failure is not null)
            return;
        try { inner.Write(value); }
        catch (IOException e) { Failure = e; }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        if (Failure is not null)
            return;
        try { inner.Write(buffer, index, count); }
        catch (IOException e) { Failure = e; }
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (Failure is not null)
            return;
        try { inner.Write(buffer); }
        catch (IOException e) { Failure = e; }
    }

    public override void WriteLine(string? value)
    {
        if (Failure is not null)
            return;
        try { inner.WriteLine(value); }
        catch (IOException e) { Failure = e; }
    }

    public override void Flush()
    {
        if (Failure is not null)
            return;
        try
        {
            inner.Flush();
            if (file is not null)
                GoodLength = file.Position;
        }
        catch (IOException e) { Failure = e; }
    }
}
