using PcapResetInspector.Core.Capture;
using SharpPcap;
using SharpPcap.LibPcap;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Frames from a network interface, through SharpPcap's <see cref="LibPcapLiveDevice"/>. Reading allocates
/// nothing per packet: each record's bytes are libpcap's buffer (pcap_next_ex through SharpPcap's
/// <c>GetNextPacketPointers</c>), valid until the next <see cref="TryReadNext"/>. Only <see cref="Stop"/> may be
/// called from another thread.
/// </summary>
public sealed unsafe class LiveCapture : IPacketSource
{
    private readonly PolledLiveDevice _device;
    private readonly bool _nanosecondTimestamps;
    private readonly int _waitMilliseconds;
    private readonly List<CaptureProblem> _problems = [];
    private volatile bool _stopRequested;
    private CaptureProblem? _stopProblem;

    private LiveCapture(PolledLiveDevice device, LiveCaptureOptions options, int linkType, bool nanosecondTimestamps)
    {
        _device = device;
        _nanosecondTimestamps = nanosecondTimestamps;
        _waitMilliseconds = (int)Math.Ceiling(options.ReadTimeout.TotalMilliseconds);
        Options = options;
        LinkType = linkType;
    }

    public LiveCaptureOptions Options { get; }

    /// <summary>The interface name.</summary>
    public string Name => Options.Interface;

    /// <summary>LINKTYPE_ value of every frame, from pcap_datalink(3PCAP).</summary>
    public int LinkType { get; }

    /// <summary>
    /// Whether libpcap granted nanosecond time stamps (asked for, pcap_set_tstamp_precision(3PCAP)); with
    /// microseconds the records' nanosecond time stamps end in three zeros.
    /// </summary>
    public bool HasNanosecondTimestamps => _nanosecondTimestamps;

    /// <summary>The read error that ended the capture; null while it runs and after <see cref="Stop"/>.</summary>
    public CaptureProblem? StopProblem => _stopProblem;

    /// <summary>The error that stopped reading, if any.</summary>
    public IReadOnlyList<CaptureProblem> Problems => _problems;

    public long PacketsRead { get; private set; }

    /// <summary>True once <see cref="Stop"/> or <see cref="Dispose"/> was called.</summary>
    public bool IsStopRequested => _stopRequested;

    /// <summary>
    /// Called on the reading thread, inside <see cref="TryReadNext"/>, each time a wait for packets ends empty
    /// (every read timeout on a quiet interface), so a reader on that thread can move its timers on.
    /// </summary>
    public Action? Idle { get; set; }

    /// <summary>
    /// Opens and starts a capture: pcap_create(3PCAP), the options, pcap_activate(3PCAP), then the filter, all
    /// through SharpPcap. Throws <see cref="LiveCaptureException"/> whose <see cref="LiveCaptureException.Kind"/>
    /// says what went wrong and whose message tells the user what to do; <see cref="ArgumentException"/> for
    /// invalid options.
    /// </summary>
    public static LiveCapture Open(LiveCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!LibPcapRuntime.IsAvailable)
        {
            var missing = new LibPcapUnavailableException();
            throw new LiveCaptureException(LiveCaptureErrorKind.LibPcapMissing, missing.Message, innerException: missing);
        }

        IReadOnlyList<PcapInterface> interfaces = CaptureDevices.Interfaces();
        // SharpPcap opens only what pcap_findalldevs(3PCAP) listed, so an unknown name never reaches pcap_create.
        PcapInterface? found = interfaces.FirstOrDefault(candidate => candidate.Name == options.Interface);
        if (found is null)
        {
            throw LiveCaptureErrors.ForActivation(options.Interface, LiveCaptureErrors.NoSuchDevice, "No such device exists", "",
                () => interfaces.Select(candidate => candidate.Name).ToList(), Environment.ProcessPath, LibPcapLibrary.CurrentPlatform);
        }

        var device = new PolledLiveDevice(found);
        try
        {
            Activate(device, options, interfaces);
            bool nanoseconds = device.TimestampResolution == TimestampResolution.Nanosecond;
            int linkType = DataLinkTypes.ToLinkType((int)device.LinkType);
            if (!string.IsNullOrWhiteSpace(options.Filter))
                ApplyFilter(device, options.Filter);
            // Where the descriptor can be polled (Linux), read without blocking and poll between reads: with
            // TPACKET_V3 a blocking read on a quiet interface may never time out (pcap_set_timeout(3PCAP)).
            if (device.CanPoll)
                device.NonBlockingMode = true;
            return new LiveCapture(device, options, linkType, nanoseconds);
        }
        catch
        {
            device.Close();
            throw;
        }
    }

    /// <summary>
    /// Waits for the next frame that passes the filter. Returns false after <see cref="Stop"/> (even when
    /// frames are still buffered) or when reading failed (then <see cref="StopProblem"/> says why).
    /// </summary>
    public bool TryReadNext(out PacketRecord packet)
    {
        while (!_stopRequested && _stopProblem is null)
        {
            IntPtr header = IntPtr.Zero;
            IntPtr data = IntPtr.Zero;
            // pcap_next_ex(3PCAP): 1 a packet, 0 none yet (non-blocking, or the read timeout), -1 error, -2 broken.
            int status = _device.GetNextPacketPointers(ref header, ref data);
            if (status == 1)
            {
                if (_stopRequested)
                    break;
                packet = ToRecord((byte*)header, (byte*)data);
                PacketsRead++;
                return true;
            }

            if (status == 0)
            {
                if (_device.CanPoll && !_device.WaitForPackets(_waitMilliseconds))
                    Idle?.Invoke();
                else if (!_device.CanPoll)
                    Idle?.Invoke();
                continue;
            }

            if (status == -2)
                break;
            string detail = LastError();
            _stopProblem = new CaptureProblem(Name, 0, CaptureProblemKind.IoError, ProblemSeverity.Error,
                "reading from the interface failed: " + (detail.Length > 0 ? detail : "error " + status));
            _problems.Add(_stopProblem);
        }

        packet = default;
        return false;
    }

    /// <summary>
    /// Ends the capture: the read in progress (on any thread) returns false within the read timeout, and every
    /// later one at once. Safe from any thread, a Ctrl+C handler or a timer, and more than once.
    /// </summary>
    public void Stop() => _stopRequested = true;

    /// <summary>
    /// pcap_stats(3PCAP) so far. Works after <see cref="Stop"/>, not after <see cref="Dispose"/>
    /// (<see cref="ObjectDisposedException"/>); <see cref="LiveCaptureException"/> if the platform has none.
    /// </summary>
    public LiveCaptureStatistics GetStatistics()
    {
        ObjectDisposedException.ThrowIf(!_device.Opened, this);
        if (KernelStatistics.Read(_device.Handle, out uint received, out uint dropped, out uint interfaceDropped) != 0)
        {
            string detail = LastError();
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, $"No statistics for '{Name}': {detail}", detail);
        }

        return new LiveCaptureStatistics(received, dropped, interfaceDropped);
    }

    /// <summary>Closes the handle. Call it after the reading thread has returned from <see cref="TryReadNext"/>.</summary>
    public void Dispose()
    {
        Stop();
        _device.Close();
    }

    private static void Activate(PolledLiveDevice device, LiveCaptureOptions options, IReadOnlyList<PcapInterface> interfaces)
    {
        var configuration = new DeviceConfiguration
        {
            Snaplen = options.SnapLength,
            Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            ReadTimeout = (int)Math.Ceiling(options.ReadTimeout.TotalMilliseconds),
            BufferSize = options.BufferSize,
            Immediate = options.ImmediateMode ? true : null,
            // Nanoseconds where the OS can (Linux can); PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves microseconds.
            TimestampResolution = TimestampResolution.Nanosecond,
        };
        string? refused = null;
        configuration.ConfigurationFailed += (_, failure) =>
        {
            if (failure.Property != nameof(DeviceConfiguration.TimestampResolution))
                refused ??= $"{failure.Property}: {failure.Message}";
        };

        try
        {
            device.Open(configuration);
        }
        catch (PcapException e)
        {
            // SharpPcap keeps pcap_activate's status in Error and leaves the handle open for pcap_geterr.
            string detail = SafeLastError(device);
            throw LiveCaptureErrors.ForActivation(options.Interface, (int)e.Error, LiveCaptureErrors.StatusText((int)e.Error),
                detail.Length > 0 ? detail : e.Message, () => interfaces.Select(candidate => candidate.Name).ToList(),
                Environment.ProcessPath, LibPcapLibrary.CurrentPlatform);
        }

        if (refused is not null)
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, $"Cannot set up the capture on '{options.Interface}': {refused}", refused);
    }

    private static void ApplyFilter(PolledLiveDevice device, string expression)
    {
        // Compiled against the live handle, not a dead one: on Linux the code then uses the kernel's
        // extensions (VLAN tags are out of band there), which an offline program would not.
        try
        {
            device.Filter = expression;
        }
        catch (PcapException e)
        {
            throw new LiveCaptureException(LiveCaptureErrorKind.BadFilter, $"Invalid filter \"{expression}\": {e.Message}", e.Message, e);
        }
    }

    private static string SafeLastError(PcapDevice device)
    {
        try
        {
            return device.Opened ? device.LastError ?? "" : "";
        }
        catch (Exception e) when (e is ObjectDisposedException or PcapException)
        {
            return "";
        }
    }

    private string LastError() => SafeLastError(_device);

    private PacketRecord ToRecord(byte* header, byte* data)
    {
        long fraction = PacketHeaderLayout.Fraction(header);
        long nanoseconds = PacketHeaderLayout.Seconds(header) * 1_000_000_000 + (_nanosecondTimestamps ? fraction : fraction * 1_000);
        int captured = (int)PacketHeaderLayout.CaptureLength(header);   // at most the snapshot length
        int original = (int)Math.Min(PacketHeaderLayout.OriginalLength(header), int.MaxValue);
        return new PacketRecord(new ReadOnlySpan<byte>(data, captured), nanoseconds, original, LinkType, interfaceId: 0);
    }
}
