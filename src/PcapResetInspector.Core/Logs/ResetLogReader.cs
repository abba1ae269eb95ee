using System.Text;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Logs;

/// <summary>
/// Reads a server log and returns the lines about reset TCP connections (see <see cref="LogFormat"/> for the
/// programs known). Every line first meets a keyword test without regular expressions, so a large log with
/// few resets reads at about the speed of the disk. Never throws on the file's content.
/// </summary>
public static class ResetLogReader
{
    public static LogReadResult Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.SequentialScan,
                BufferSize = 64 * 1024,
            });
            using var reader = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, 64 * 1024);
            return Read(reader, path, File.GetLastWriteTime(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new LogReadResult { Resets = [], Problem = $"cannot read the file: {e.Message}" };
        }
    }

    /// <summary>Reads from a stream; RFC 3164 timestamps without a year take it from today's date.</summary>
    public static LogReadResult Read(TextReader reader, string fileName) => Read(reader, fileName, DateTime.Now);

    /// <param name="reference">When the log was last written: the year of RFC 3164 timestamps follows from it.</param>
    internal static LogReadResult Read(TextReader reader, string fileName, DateTime reference)
    {
        var state = new ReadState(fileName, reference);
        try
        {
            state.ReadAll(new LogLineSource(reader));
        }
        catch (Exception e) when (e is IOException or DecoderFallbackException or ObjectDisposedException)
        {
            state.Problem ??= $"reading stopped: {e.Message}";
        }
        return state.ToResult();
    }

    private sealed class ReadState(string fileName, DateTime reference)
    {
        // A Samba message longer than this is no message about a read error; the rest is not kept.
        private const int MaxMessageLength = 4096;

        private readonly List<LogResetLine> _resets = [];
        private readonly SyslogYear _years = new(reference);
        private readonly (IpAddress128? Address, string? Name) _sambaClient = SambaLog.ClientFromFileName(fileName);
        private readonly StringBuilder _sambaHeader = new();
        private readonly StringBuilder _sambaMessage = new();
        private readonly char[] _lastDated = new char[256];
        private int _lastDatedLength;
        private int _sambaLine;
        private int _sambaLines;
        private bool _sawTimestamp;
        private int _linesRead;
        private int _skipped;
        private int _withoutTimestamp;
        private int _overlong;

        public string? Problem { get; set; }

        public void ReadAll(LogLineSource source)
        {
            while (source.TryReadLine(out ReadOnlySpan<char> line, out bool overlong))
            {
                if (source.BinaryAt is long at)
                {
                    Problem = $"binary data at offset {at}, not a text log";
                    _sambaLines = 0;
                    return;
                }
                _linesRead++;
                if (overlong)
                {
                    FinishSamba();
                    _overlong++;
                    continue;
                }
                if (_sambaLines > 0 && line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
                {
                    // A Samba message line: debug.c indents every line of the message by two spaces.
                    AppendMessage(line.Trim());
                    _sambaLines++;
                    continue;
                }
                FinishSamba();
                if (SambaLog.LooksLikeHeader(line))
                {
                    _sawTimestamp = true;
                    _sambaHeader.Clear().Append(line);
                    _sambaMessage.Clear();
                    _sambaLine = _linesRead;
                    _sambaLines = 1;
                    continue;
                }
                ReadLine(line);
            }
            if (source.BinaryAt is long late)
            {
                // Judged only at the end of a short input: nothing in it was a log line after all.
                Problem = $"binary data at offset {late}, not a text log";
                _resets.Clear();
                _sambaLines = 0;
                return;
            }
            FinishSamba();
            if (_linesRead > _overlong && !_sawTimestamp)
            {
                Problem = "no timestamps found in any line: the reset lines cannot be matched to connections";
            }
        }

        private void AppendMessage(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty || _sambaMessage.Length >= MaxMessageLength)
            {
                return;
            }
            if (_sambaMessage.Length > 0)
            {
                _sambaMessage.Append(' ');
            }
            _sambaMessage.Append(text[..Math.Min(text.Length, MaxMessageLength - _sambaMessage.Length)]);
        }

        private void ReadLine(ReadOnlySpan<char> line)
        {
            if (!_sawTimestamp && LogTimestamps.HasAny(line))
            {
                _sawTimestamp = true;
            }
            bool dated = line.Length > 0 && char.IsAsciiDigit(line[0]);
            if (!ResetWords.MayBeAboutReset(line))
            {
                RememberDated(line, dated);
                _skipped++;
                return;
            }
            string text = line.ToString();
            ClassifiedLine classified = LogLineClassifier.Classify(text, _years);
            if (classified.Hit is not MessageHit hit)
            {
                RememberDated(line, dated);
                _skipped++;
                return;
            }
            LogTime? time = classified.Time;
            if (time is null && hit.Format == LogFormat.Java && _lastDatedLength > 0)
            {
                // A stack trace's exception line has no time of its own: it is the entry that began above.
                time = LogTimestamps.Find(new string(_lastDated, 0, _lastDatedLength), _years);
            }
            RememberDated(line, dated);
            Add(_linesRead, classified.Message, hit, time, sambaFile: false);
        }

        private void RememberDated(ReadOnlySpan<char> line, bool dated)
        {
            if (dated)
            {
                _lastDatedLength = Math.Min(line.Length, _lastDated.Length);
                line[.._lastDatedLength].CopyTo(_lastDated);
            }
        }

        private void FinishSamba()
        {
            if (_sambaLines == 0)
            {
                return;
            }
            int lines = _sambaLines;
            _sambaLines = 0;
            string header = _sambaHeader.ToString();
            if (!SambaLog.TryParseHeader(header, out string timeText, out string? sameLine))
            {
                _skipped += lines;
                return;
            }
            if (sameLine is not null)
            {
                // "debug prefix timestamp": the message follows the header on the same line.
                string continued = _sambaMessage.ToString();
                _sambaMessage.Clear().Append(sameLine);
                AppendMessage(continued);
            }
            if (!ResetWords.MayBeAboutReset(_sambaMessage.ToString()))
            {
                _skipped += lines;
                return;
            }
            string message = _sambaMessage.ToString();
            MessageHit? hit = SambaLog.Classify(message) ?? ServiceMessages.Generic(message, null);
            if (hit is null)
            {
                _skipped += lines;
                return;
            }
            Add(_sambaLine, message, hit, LogTimestamps.At(timeText, 0, _years), sambaFile: true);
        }

        private void Add(int lineNumber, string message, MessageHit hit, LogTime? time, bool sambaFile)
        {
            if (time is not LogTime t)
            {
                _withoutTimestamp++;
                return;
            }
            IpAddress128? client = hit.Client;
            string? name = null;
            if (sambaFile || hit.Format == LogFormat.Samba)
            {
                // log.%I and log.%m name the client of every line in the file (smbd forks per client).
                client ??= _sambaClient.Address;
                name = _sambaClient.Name;
            }
            _resets.Add(new LogResetLine(fileName, lineNumber, message, hit.Format, t.Local, t.Offset,
                client, client is null ? null : hit.ClientPort, name, hit.Server, hit.ServerPort, hit.Detail));
        }

        public LogReadResult ToResult() => new()
        {
            Resets = _resets,
            LinesRead = _linesRead,
            LinesSkipped = _skipped,
            LinesWithoutTimestamp = _withoutTimestamp,
            OverlongLines = _overlong,
            Problem = Problem,
        };
    }
}
