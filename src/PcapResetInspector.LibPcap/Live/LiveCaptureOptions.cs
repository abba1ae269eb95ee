namespace PcapResetInspector.LibPcap;

/// <summary>What <see cref="LiveCapture.Open"/> asks libpcap for. The defaults suit TCP reset analysis.</summary>
/// <param name="Interface">A name from <see cref="CaptureDevices.List"/> ("any" captures on every interface on Linux).</param>
public sealed record LiveCaptureOptions(string Interface)
{
    /// <summary>
    /// Bytes kept of each frame. 128 covers Ethernet with two VLAN tags (22), an IPv6 header (40) and a TCP
    /// header with the most options (60): all the analysis reads.
    /// </summary>
    public int SnapLength { get; init; } = 128;

    /// <summary>pcap_set_promisc(3PCAP): also see traffic between other hosts on a shared segment or a mirror port.</summary>
    public bool Promiscuous { get; init; } = true;

    /// <summary>pcap-filter(7) expression applied in the kernel where the OS can; null or blank captures everything.</summary>
    public string? Filter { get; init; } = "tcp";

    /// <summary>pcap_set_buffer_size(3PCAP) in bytes; null keeps libpcap's default (2 MiB on Linux).</summary>
    public int? BufferSize { get; init; }

    /// <summary>
    /// pcap_set_timeout(3PCAP): how long the OS may hold packets to deliver them in batches. It is also the
    /// longest a quiet read waits before it looks at <see cref="LiveCapture.Stop"/>: a poll of the selectable
    /// descriptor on Linux, the read itself on Windows and macOS.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>pcap_set_immediate_mode(3PCAP): deliver every packet at once, at the cost of more wake-ups.</summary>
    public bool ImmediateMode { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Interface, nameof(Interface));
        // 262144 is libpcap's MAXIMUM_SNAPLEN; it silently raises larger or non-positive values to it.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SnapLength, nameof(SnapLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SnapLength, BpfFilter.DefaultSnapLength, nameof(SnapLength));
        if (BufferSize is int bytes)
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes, nameof(BufferSize));
        // A zero timeout means "wait forever" on some platforms (pcap_set_timeout(3PCAP)), which Stop could not rely on.
        if (ReadTimeout < TimeSpan.FromMilliseconds(1) || ReadTimeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(ReadTimeout), ReadTimeout, "The read timeout must be at least 1 ms.");
    }
}
