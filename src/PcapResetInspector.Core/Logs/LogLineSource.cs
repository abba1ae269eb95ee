namespace PcapResetInspector.Core.Logs;

/// <summary>
/// Splits a text stream into lines through one fixed buffer, so a line never costs more memory than
/// <see cref="MaxLineLength"/>: longer lines are reported as overlong and skipped up to their newline.
/// The first <see cref="SniffLength"/> characters are also checked for binary content, because a log
/// reader handed a capture or a core dump should say so instead of reporting nothing.
/// </summary>
internal sealed class LogLineSource
{
    public const int MaxLineLength = 64 * 1024;
    public const int SniffLength = 8 * 1024;

    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[MaxLineLength * 2];
    private int _start;
    private int _end;
    private bool _eof;
    private long _bufferBase;
    private int _sniffed;
    private int _suspicious;
    private long _firstSuspicious = -1;

    public LogLineSource(TextReader reader) => _reader = reader;

    /// <summary>Set once the first characters are mostly NULs, replacement characters or control codes.</summary>
    public long? BinaryAt { get; private set; }

    /// <summary>Reads the next line without its terminator; overlong is set (and the line empty) when it was too long.</summary>
    public bool TryReadLine(out ReadOnlySpan<char> line, out bool overlong)
    {
        bool skipping = false;
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf('\n');
            if (newline >= 0)
            {
                int lineStart = _start;
                _start += newline + 1;
                if (skipping || newline > MaxLineLength)
                {
                    line = default;
                    overlong = true;
                    return true;
                }
                line = TrimCarriageReturn(_buffer.AsSpan(lineStart, newline));
                overlong = false;
                return true;
            }
            if (_eof)
            {
                overlong = skipping || _end - _start > MaxLineLength;
                if (!overlong && _start < _end)
                {
                    line = TrimCarriageReturn(_buffer.AsSpan(_start, _end - _start));
                    _start = _end;
                    return true;
                }
                line = default;
                bool any = overlong;
                _start = _end;
                return any;
            }
            if (_end - _start > MaxLineLength)
            {
                // Drop what is buffered; the rest of the line is dropped as it arrives.
                skipping = true;
                _bufferBase += _end;
                _start = _end = 0;
            }
            Fill();
        }
    }

    private static ReadOnlySpan<char> TrimCarriageReturn(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _bufferBase += _start;
            _end -= _start;
            _start = 0;
        }
        int read = _reader.Read(_buffer, _end, _buffer.Length - _end);
        if (read <= 0)
        {
            _eof = true;
            Judge();
            return;
        }
        Sniff(_end, read);
        _end += read;
    }

    private void Sniff(int from, int count)
    {
        if (_sniffed >= SniffLength)
        {
            return;
        }
        int take = Math.Min(count, SniffLength - _sniffed);
        for (int i = from; i < from + take; i++)
        {
            char c = _buffer[i];
            // Text logs hold no NULs; U+FFFD is what the decoder made of invalid UTF-8; other C0 controls
            // (tab, newlines, form feed and the ESC of colour codes aside) do not occur in text either.
            bool bad = c == '\0' || c == '\uFFFD' || (c < ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\x1b');
            if (bad)
            {
                _suspicious++;
                if (_firstSuspicious < 0)
                {
                    _firstSuspicious = _bufferBase + i;
                }
            }
        }
        _sniffed += take;
        if (_sniffed >= SniffLength)
        {
            Judge();
        }
    }

    private void Judge()
    {
        // One bad character in ten is far beyond a text log with a few stray bytes (a Latin-1 name, a
        // partly written block after a crash) and far below any compressed or binary file.
        if (BinaryAt is null && _suspicious > 0 && _suspicious * 10 >= _sniffed)
        {
            BinaryAt = _firstSuspicious;
        }
    }
}
