using System.Diagnostics;
using System.Globalization;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// A progress bar on standard error while files are read: drawn only on a terminal, only once reading
/// has taken a second (short runs stay quiet), redrawn five times a second from a timer, and wiped
/// before anything else is printed. It watches the file stream's position, so it costs the reading
/// loop nothing.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private static readonly TimeSpan QuietStart = TimeSpan.FromSeconds(1);
    private readonly TextWriter _error;
    private readonly long _totalBytes;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _finishedBytes;
    private FileStream? _current;
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
            // Standard input and unreadable files have no known size: the bar then shows bytes and rate only.
            try
            {
                if (input != "-" && File.Exists(input))
                    total += new FileInfo(input).Length;
                else
                    return new ProgressLine(error, 0);
            }
            catch (IOException)
            {
                return new ProgressLine(error, 0);
            }
        }
        return new ProgressLine(error, total);
    }

    public void Begin(string name, FileStream? file)
    {
        lock (_gate)
        {
            _currentName = name;
            _current = file;
        }
    }

    public void End()
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                try { _finishedBytes += _current.Length; } catch (ObjectDisposedException) { }
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
                done += _current?.Position ?? 0;
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
