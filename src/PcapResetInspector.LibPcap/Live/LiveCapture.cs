using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Frames from a network interface, through libpcap. Reading allocates nothing per packet: each record's
/// bytes are libpcap's buffer, valid until the next <see cref="TryReadNext"/>. Only <see cref="Stop"/> may be
/// called from another thread.
/// </summary>
public sealed unsafe class LiveCapture : IPacketSource
{
    private readonly SafePcapHandle _handle;
    private readonly bool _nanosecondTimestamps;
    private readonly List<CaptureProblem> _problems;
    private volatile bool _stopRequested;
    private volatile bool _wakeRequested;
    private CaptureProblem? _stopProblem;

    private LiveCapture(SafePcapHandle handle, LiveCaptureOptions options, int linkType, bool nanosecondTimestamps, List<CaptureProblem> problems)
    {
        _handle = handle;
        _nanosecondTimestamps = nanosecondTimestamps;
        _problems = problems;
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

    /// <summary>Warnings from opening (promiscuous mode refused, ...) and the error that stopped reading, if any.</summary>
    public IReadOnlyList<CaptureProblem> Problems => _problems;

    public long PacketsRead { get; private set; }

    /// <summary>True once <see cref="Stop"/> or <see cref="Dispose"/> was called.</summary>
    public bool IsStopRequested => _stopRequested;

    /// <summary>
    /// Opens and starts a capture: pcap_create(3PCAP), the options, pcap_activate(3PCAP), then the filter.
    /// Throws <see cref="LiveCaptureException"/> whose <see cref="LiveCaptureException.Kind"/> says what went
    /// wrong and whose message tells the user what to do; <see cref="ArgumentException"/> for invalid options.
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

        SafePcapHandle handle = Create(options.Interface);
        try
        {
            Configure(handle, options);
            var problems = new List<CaptureProblem>();
            int status = Interop.pcap_activate(handle);
            if (status < 0)
            {
                throw LiveCaptureErrors.ForActivation(options.Interface, status, Interop.StatusText(status), Interop.LastError(handle),
                    InterfaceNames, Environment.ProcessPath, LibPcapLibrary.CurrentPlatform);
            }

            if (status > 0)
            {
                // pcap_activate(3PCAP): positive codes are warnings; the handle works.
                string warning = LiveCaptureErrors.ActivationWarning(options.Interface, status, Interop.StatusText(status), Interop.LastError(handle));
                problems.Add(new CaptureProblem(options.Interface, 0, CaptureProblemKind.CaptureSetup, ProblemSeverity.Warning, warning));
            }

            bool nanoseconds = GrantedPrecision(handle) == Interop.PCAP_TSTAMP_PRECISION_NANO;
            int linkType = DataLinkTypes.ToLinkType(Interop.pcap_datalink(handle));
            if (!string.IsNullOrWhiteSpace(options.Filter))
                ApplyFilter(handle, options.Filter);
            return new LiveCapture(handle, options, linkType, nanoseconds, problems);
        }
        catch
        {
            handle.Dispose();
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
            byte* header;
            byte* data;
            int status = Interop.pcap_next_ex(_handle, &header, &data);
            if (status == 1)
            {
                // pcap_breakloop(3PCAP): a packet may still come after it; a stop means no more records.
                if (_stopRequested)
                    break;
                packet = ToRecord(header, data);
                PacketsRead++;
                return true;
            }

            if (status == 0)
            {
                // The packet buffer timeout expired with nothing to deliver: let the reader do its chores, then wait again.
                Idle?.Invoke();
                continue;
            }
            if (status == Interop.PCAP_ERROR_BREAK)
            {
                if (_stopRequested)
                    break;      // Stop called pcap_breakloop
                // Wake called it: libpcap has cleared its break flag, so the handle reads on afterwards.
                _wakeRequested = false;
                Idle?.Invoke();
                continue;
            }

            string detail = Interop.LastError(_handle);
            _stopProblem = new CaptureProblem(Name, 0, CaptureProblemKind.IoError, ProblemSeverity.Error,
                "reading from the interface failed: " + (detail.Length > 0 ? detail : Interop.StatusText(status)));
            _problems.Add(_stopProblem);
        }

        packet = default;
        return false;
    }

    /// <summary>
    /// Called on the reading thread, inside <see cref="TryReadNext"/>, when the read timeout expires with
    /// nothing to deliver or after <see cref="Wake"/>. A reader uses it to move its timers on while the
    /// interface is quiet: with TPACKET_V3 an idle read does not time out, so only a wake-up returns.
    /// </summary>
    public Action? Idle { get; set; }

    /// <summary>
    /// Makes a read blocked on a quiet interface call <see cref="Idle"/> and carry on waiting. Safe from any
    /// thread (a one-second timer); it uses pcap_breakloop(3PCAP), whose flag libpcap clears when the read
    /// returns PCAP_ERROR_BREAK, so the capture goes on.
    /// </summary>
    public void Wake()
    {
        if (_stopRequested || _wakeRequested)
            return;
        _wakeRequested = true;
        try
        {
            Interop.pcap_breakloop(_handle);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Ends the capture: the read in progress (on any thread) and every later one return false. Safe from
    /// any thread, a Ctrl+C handler or a timer, and more than once. pcap_breakloop(3PCAP) wakes a read blocked
    /// on an idle interface on Linux and Windows with libpcap 1.10 or later; elsewhere the read returns when
    /// the read timeout expires or the next packet arrives.
    /// </summary>
    public void Stop()
    {
        _stopRequested = true;
        try
        {
            Interop.pcap_breakloop(_handle);
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: no read can be waiting.
        }
    }

    /// <summary>
    /// pcap_stats(3PCAP) so far. Works after <see cref="Stop"/>, not after <see cref="Dispose"/>
    /// (<see cref="ObjectDisposedException"/>); <see cref="LiveCaptureException"/> if the platform has none.
    /// </summary>
    public LiveCaptureStatistics GetStatistics()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        Interop.PcapStat statistics = default;
        if (Interop.pcap_stats(_handle, &statistics) != 0)
        {
            string detail = Interop.LastError(_handle);
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, $"No statistics for '{Name}': {detail}", detail);
        }

        return new LiveCaptureStatistics(statistics.Received, statistics.Dropped, statistics.InterfaceDropped);
    }

    public void Dispose()
    {
        Stop();
        // A read still blocked on another thread holds a reference: pcap_close waits until it has returned.
        _handle.Dispose();
    }

    private static SafePcapHandle Create(string interfaceName)
    {
        byte* errorBuffer = stackalloc byte[Interop.ErrorBufferSize];
        errorBuffer[0] = 0;
        SafePcapHandle handle;
        fixed (byte* name = NativeText.Encode(interfaceName))
        {
            handle = Interop.pcap_create(name, errorBuffer);
        }

        if (handle.IsInvalid)
        {
            handle.Dispose();
            string detail = NativeText.Decode(new ReadOnlySpan<byte>(errorBuffer, Interop.ErrorBufferSize));
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, $"Cannot open '{interfaceName}': {detail}", detail);
        }

        return handle;
    }

    private static void Configure(SafePcapHandle handle, LiveCaptureOptions options)
    {
        // Each pcap_set_* fails only on an activated handle (PCAP_ERROR_ACTIVATED), which this one is not yet.
        Check(handle, Interop.pcap_set_snaplen(handle, options.SnapLength), options);
        Check(handle, Interop.pcap_set_promisc(handle, options.Promiscuous ? 1 : 0), options);
        Check(handle, Interop.pcap_set_timeout(handle, (int)Math.Ceiling(options.ReadTimeout.TotalMilliseconds)), options);
        if (options.ImmediateMode)
            Check(handle, Interop.pcap_set_immediate_mode(handle, 1), options);
        if (options.BufferSize is int bytes)
            Check(handle, Interop.pcap_set_buffer_size(handle, bytes), options);

        // Nanoseconds where the OS can (Linux can); PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves microseconds,
        // and so does a libpcap older than 1.5 that lacks the call.
        try
        {
            _ = Interop.pcap_set_tstamp_precision(handle, Interop.PCAP_TSTAMP_PRECISION_NANO);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    private static void Check(SafePcapHandle handle, int status, LiveCaptureOptions options)
    {
        if (status != 0)
        {
            string detail = Interop.StatusText(status);
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, $"Cannot set up the capture on '{options.Interface}': {detail}", detail);
        }
    }

    private static int GrantedPrecision(SafePcapHandle handle)
    {
        try
        {
            return Interop.pcap_get_tstamp_precision(handle);
        }
        catch (EntryPointNotFoundException)
        {
            return Interop.PCAP_TSTAMP_PRECISION_MICRO;
        }
    }

    private static void ApplyFilter(SafePcapHandle handle, string expression)
    {
        // Compiled against the live handle, not a dead one: on Linux the code then uses the kernel's
        // extensions (VLAN tags are out of band there), which an offline program would not.
        using SafeBpfProgramHandle? program = Interop.Compile(handle, expression, out string error);
        if (program is null)
            throw new LiveCaptureException(LiveCaptureErrorKind.BadFilter, $"Invalid filter \"{expression}\": {error}", error);
        if (Interop.pcap_setfilter(handle, program) != 0)
        {
            string detail = Interop.LastError(handle);
            throw new LiveCaptureException(LiveCaptureErrorKind.BadFilter, $"The filter \"{expression}\" could not be installed: {detail}", detail);
        }
    }

    private static IReadOnlyList<string> InterfaceNames()
    {
        try
        {
            return CaptureDevices.List().Select(device => device.Name).ToList();
        }
        catch (LiveCaptureException)
        {
            return [];
        }
    }

    private PacketRecord ToRecord(byte* header, byte* data)
    {
        long fraction = PacketHeaderLayout.Fraction(header);
        long nanoseconds = PacketHeaderLayout.Seconds(header) * 1_000_000_000 + (_nanosecondTimestamps ? fraction : fraction * 1_000);
        int captured = (int)PacketHeaderLayout.CaptureLength(header);   // at most the snapshot length
        int original = (int)Math.Min(PacketHeaderLayout.OriginalLength(header), int.MaxValue);
        return new PacketRecord(new ReadOnlySpan<byte>(data, captured), nanoseconds, original, LinkType, interfaceId: 0);
    }
}
