using System.Diagnostics;
using System.Globalization;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// A progress bar on standard error while files are read: drawn only on a terminal, only once reading
/// has taken a second (short runs stay quiet), redrawn five times a second from a timer, and wiped
/// before anything else is printed. It shows the bytes read so far (and a percentage when every input's
/// length is known: files, not pipes, FIFOs or standard input); it only looks at a counter the reading
/// stream keeps, so it costs the reading loop nothing.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private static readonly TimeSpan QuietStart = TimeSpan.FromSeconds(1);
    private readonly TextWriter _error;
    private long _totalBytes;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _finishedBytes;
    private Stream? _current;
    private string _currentName = "";
    private bool _drawn;
    private bool _disposed;

    private ProgressLine(TextWriter error, long totalBytes)
    {
        _error = error;
        _totalBytes = totalBytes;
        _timer = new Timer(_ => Draw(), null, QuietStart, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>A progress line when <paramref name="enabled"/>, otherwise null (callers use ?.).</summary>
    public static ProgressLine? StartIf(bool enabled, TextWriter error, IEnumerable<string> inputs)
    {
        if (!enabled)
            return null;
        long total = 0;
        foreach (string input in inputs)
        {
            // Standard input, pipes and FIFOs (a length of 0) and unreadable files have no known size:
            // the bar then shows bytes and rate only.
            try
            {
                long length = input != "-" && File.Exists(input) ? new FileInfo(input).Length : 0;
                if (length == 0)
                    return new ProgressLine(error, 0);
                total += length;
            }
            catch (IOException)
            {
                return new ProgressLine(error, 0);
            }
        }
        return new ProgressLine(error, total);
    }

    /// <param name="input">The stream being read: a <see cref="Commands.ReadingStream"/> counts what was
    /// read; of any other, the position of a seekable one is taken (null: nothing to show).</param>
    public void Begin(string name, Stream? input)
    {
        lock (_gate)
        {
            _currentName = name;
            _current = input;
            // One input of unknown length makes the total unknown: no percentage rather than a wrong one.
            if (input is Commands.ReadingStream { KnownLength: null } || input is { CanSeek: false } and not Commands.ReadingStream)
                _totalBytes = 0;
        }
    }

    private static long ReadSoFar(Stream? input) => input switch
    {
        Commands.ReadingStream reading => reading.BytesRead,
        { CanSeek: true } => input.Position,
        _ => 0,
    };

    public void End()
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                try { _finishedBytes += ReadSoFar(_current); } catch (ObjectDisposedException) { }
            }
            _current = null;
            Wipe();
        }
    }

    /// <summary>Redraws the line (the timer calls it; tests call it directly).</summary>
    internal void Draw()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            long done = _finishedBytes;
            try
            {
                done += ReadSoFar(_current);
            }
            catch (ObjectDisposedException)
            {
            }
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            string rate = FormatBytes((long)(done / seconds)) + "/s";
            string name = SafeText.Escape(Path.GetFileName(_currentName));
            string line;
            if (_totalBytes > 0)
            {
                double fraction = Math.Clamp((double)done / _totalBytes, 0, 1);
                const int barWidth = 24;
                int filled = (int)(fraction * barWidth);
                string bar = new string('#', filled) + new string('-', barWidth - filled);
                double remaining = done > 0 ? (_totalBytes - done) / (done / seconds) : 0;
                line = string.Create(CultureInfo.InvariantCulture,
                    $"[{bar}] {fraction * 100,3:0}%  {FormatBytes(done)} of {FormatBytes(_totalBytes)}  {rate}  {remaining:0}s left  {name}");
            }
            else
            {
                line = $"reading {name}: {FormatBytes(done)}  {rate}";
            }
            _error.Write("\r" + line + "\u001b[K");
            _error.Flush();
            _drawn = true;
        }
    }

    private void Wipe()
    {
        if (!_drawn)
            return;
        _error.Write("\r\u001b[K");
        _error.Flush();
        _drawn = false;
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _disposed = true;
            Wipe();
        }
    }
}
