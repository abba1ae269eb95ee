using System.Diagnostics;
using System.Globalization;
using PcapResetInspector.Core.Kernel;

namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// Reads the kernel's tcp_send_reset and tcp_receive_reset events (Linux 6.10+: tcp_send_reset carries
/// enum sk_rst_reason, include/net/rstreason.h) from a tracefs instance of its own, instances/NAME, so that
/// nobody else's tracing is touched: the instance has its own buffer, clock, event switches and filters.
/// Disposing disables the events and removes the instance; an instance left by a killed run is removed by the
/// next one.
/// </summary>
/// <remarks>
/// tcp_receive_reset prints no state, but the socket that takes a RST leaves its state at once: tcp_reset()
/// fires the event, then tcp_done() sets TCP_CLOSE, which sock:inet_sock_set_state reports with the old state
/// (net/ipv4/tcp_input.c, measured on Linux 6.18: the two lines are microseconds apart). So that event is read
/// too, filtered in the kernel to TCP sockets going to TCP_CLOSE (one line per closing socket), and its old state
/// is given to the received event of the same socket just before it; other lines of it are skipped unparsed.
/// </remarks>
public sealed class TracefsResetReader : IDisposable
{
    public const string DefaultRoot = "/sys/kernel/tracing";
    public const string InstancePrefix = "pcap-reset-inspector-";
    private const string Marker = "pcap-reset-inspector-sync-";
    private const string SendEnable = "events/tcp/tcp_send_reset/enable";
    private const string ReceiveEnable = "events/tcp/tcp_receive_reset/enable";
    private const string StateEnable = "events/sock/inet_sock_set_state/enable";
    private const string StateFilter = "events/sock/inet_sock_set_state/filter";
    /// <summary>IPPROTO_TCP, and TCP_CLOSE of include/net/tcp_states.h.</summary>
    private const string StateFilterText = "protocol == 6 && newstate == 7";

    private readonly string _instance;
    private readonly IKernelResetSink _sink;
    private readonly ReceiverStatePairing _states;
    // The instance's clock is "mono": this offset turns its times into packet times.
    private readonly MonotonicClockOffset _clock = new();
    /// <summary>Between reads that came back short: events then come in batches (see <see cref="PacedReadStream"/>).</summary>
    private static readonly TimeSpan ReadPause = TimeSpan.FromMilliseconds(20);
    private const int ReadBufferBytes = 64 * 1024;
    private volatile PacedReadStream? _paced;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private long _markerSent, _markerSeen;
    private volatile bool _stopping;
    private bool _disposed;

    private TracefsResetReader(string instance, IKernelResetSink sink)
    {
        _instance = instance;
        _sink = sink;
        _states = new ReceiverStatePairing(sink);
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "tracefs reset reader" };
    }

    /// <summary>Events read (for the closing lines).</summary>
    public long EventsRead { get; private set; }

    /// <summary>Why reading stopped early (an I/O error on trace_pipe), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Throws <see cref="KernelReasonsException"/> when this host cannot give the reasons.</summary>
    public static void CheckAvailable(string root = DefaultRoot)
    {
        if (!OperatingSystem.IsLinux())
            throw new KernelReasonsException(KernelReasonsProblemKind.NoReasons, "kernel reset reasons need Linux 6.10 or later");
        if (!Environment.IsPrivilegedProcess)
            throw new KernelReasonsException(KernelReasonsProblemKind.NotRoot, "kernel reset reasons need root (tracefs is root's)");
        if (!Directory.Exists(Path.Combine(root, "instances")))
            throw new KernelReasonsException(KernelReasonsProblemKind.NotMounted,
                $"tracefs is not mounted at {root}; mount it with: mount -t tracefs nodev {root}");
        string format = Path.Combine(root, "events", "tcp", "tcp_send_reset", "format");
        if (!File.Exists(format) || !File.ReadAllText(format).Contains("sk_rst_reason", StringComparison.Ordinal))
            throw new KernelReasonsException(KernelReasonsProblemKind.NoReasons,
                "this kernel does not name its reset reasons (tcp_send_reset has a reason since Linux 6.10)");
    }

    /// <summary>Removes stale instances, makes ours, enables the events and starts reading.</summary>
    public static TracefsResetReader Start(IKernelResetSink sink, string root = DefaultRoot)
    {
        ArgumentNullException.ThrowIfNull(sink);
        CheckAvailable(root);
        RemoveStale(root);
        string instance = Path.Combine(root, "instances", InstancePrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(instance);
            Write(instance, "trace_clock", "mono");
            Write(instance, SendEnable, "1");
            if (File.Exists(Path.Combine(instance, ReceiveEnable)))
                Write(instance, ReceiveEnable, "1");
            if (File.Exists(Path.Combine(instance, StateEnable)))
            {
                Write(instance, StateFilter, StateFilterText);
                Write(instance, StateEnable, "1");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Remove(instance);
            throw new KernelReasonsException(KernelReasonsProblemKind.Failed, $"cannot set up tracing in {instance}: {e.Message}", e);
        }
        var reader = new TracefsResetReader(instance, sink);
        reader._thread.Start();
        return reader;
    }

    /// <summary>Waits until every event the kernel logged before this call has been read (a marker through the pipe).</summary>
    public bool Drain(TimeSpan timeout)
    {
        long marker = SendMarker();
        var clock = Stopwatch.StartNew();
        lock (_lock)
        {
            while (Interlocked.Read(ref _markerSeen) < marker && _thread.IsAlive)
            {
                TimeSpan left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    return false;
                Monitor.Wait(_lock, left);
            }
        }
        return Interlocked.Read(ref _markerSeen) >= marker;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stopping = true;
        if (_paced is { } paced)
            paced.Hurry = true;
        try
        {
            SendMarker(); // wakes the reader blocked in read(2) on trace_pipe
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        _thread.Join(TimeSpan.FromSeconds(2));
        Remove(_instance);
    }

    private long SendMarker()
    {
        long marker = Interlocked.Increment(ref _markerSent);
        Write(_instance, "trace_marker", Marker + marker.ToString(CultureInfo.InvariantCulture));
        return marker;
    }

    private void ReadLoop()
    {
        try
        {
            var pipe = new FileStream(Path.Combine(_instance, "trace_pipe"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            using var stream = _paced = new PacedReadStream(pipe, ReadPause) { Hurry = _stopping };
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, ReadBufferBytes);
            while (reader.ReadLine() is { } line)
            {
                int marker = line.IndexOf(Marker, StringComparison.Ordinal);
                if (marker >= 0)
                {
                    if (long.TryParse(line.AsSpan(marker + Marker.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seen))
                    {
                        lock (_lock)
                        {
                            Interlocked.Exchange(ref _markerSeen, Math.Max(Interlocked.Read(ref _markerSeen), seen));
                            Monitor.PulseAll(_lock);
                        }
                    }
                    if (_stopping)
                        return;
                    continue;
                }
                if (TraceLine.IsStateChange(line))
                {
                    if (_states.Waiting && TraceLine.TryParseClose(line, _clock.Nanos, out SocketClose? close))
                        _states.Closed(close!);
                    continue;
                }
                if (TraceLine.TryParse(line, _clock.Nanos, out KernelResetEvent? e) && e is not null)
                {
                    EventsRead++;
                    _sink.Add(e);
                    if (e.Direction == KernelResetDirection.Received)
                        _states.Received(e);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem = e.Message;
        }
        finally
        {
            lock (_lock)
                Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Instances of runs whose process is gone (killed before they could clean up).</summary>
    private static void RemoveStale(string root)
    {
        foreach (string dir in Directory.EnumerateDirectories(Path.Combine(root, "instances"), InstancePrefix + "*"))
        {
            string pid = Path.GetFileName(dir)[InstancePrefix.Length..];
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && !Directory.Exists("/proc/" + id))
                Remove(dir);
        }
    }

    /// <summary>Events off, then the instance gone (rmdir frees its buffers); failures are left for the next run.</summary>
    private static void Remove(string instance)
    {
        foreach (string e in new[] { SendEnable, ReceiveEnable, StateEnable })
        {
            try { Write(instance, e, "0"); } catch (Exception x) when (x is IOException or UnauthorizedAccessException) { }
        }
        try
        {
            Directory.Delete(instance);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void Write(string instance, string file, string value)
    {
        using var stream = new FileStream(Path.Combine(instance, file), FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(value + "\n");
        stream.Write(bytes);
    }
}
