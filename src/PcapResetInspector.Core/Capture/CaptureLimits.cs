namespace PcapResetInspector.Core.Capture;

/// <summary>Sanity limits the readers apply to lengths read from a file.</summary>
public static class CaptureLimits
{
    /// <summary>
    /// No record or block may be longer than this (256 MiB): a larger length is corruption, and
    /// believing it would make the reader allocate it. Same bound as libpcap's and Wireshark's
    /// maximum block size.
    /// </summary>
    public const int MaxRecordBytes = 256 * 1024 * 1024;

    /// <summary>
    /// libpcap's MAXIMUM_SNAPLEN: a classic pcap record may capture up to max(snaplen, this) bytes
    /// before it is taken as corruption (pcap(5); libpcap sf-pcap.c).
    /// </summary>
    public const int DefaultMaxSnapLength = 262_144;

    /// <summary>
    /// The largest packet this tool reads (256 KiB, tcpdump's and tshark's limit, libpcap's MAXIMUM_SNAPLEN):
    /// a larger record is skipped with a warning instead of being held in memory whole.
    /// </summary>
    public const int MaxPacketBytes = 262_144;

    /// <summary>
    /// The most interfaces one pcapng file may describe (each costs memory for the rest of the run); a file
    /// with more stops with an error after what was read before.
    /// </summary>
    public const int MaxInterfaces = 65_536;

    /// <summary>At most this many problems are kept per input; further warnings are only counted.</summary>
    public const int MaxProblemsKept = 100;
}
