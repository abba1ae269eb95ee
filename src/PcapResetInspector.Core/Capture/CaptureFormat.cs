namespace PcapResetInspector.Core.Capture;

/// <summary>The file format a capture was recognised as (by its magic number, never its name).</summary>
public enum CaptureFormat
{
    /// <summary>Not recognised, or not read (snoop, zstd, ...): see the source's StopProblem.</summary>
    Unknown,
    /// <summary>Classic libpcap savefile, any of its magics (pcap(5); draft-ietf-opsawg-pcap).</summary>
    Pcap,
    /// <summary>pcapng (draft-ietf-opsawg-pcapng).</summary>
    PcapNg,
}

/// <summary>Compression wrapped around the capture, removed transparently while reading.</summary>
public enum CaptureCompression
{
    None,
    Gzip,
}
