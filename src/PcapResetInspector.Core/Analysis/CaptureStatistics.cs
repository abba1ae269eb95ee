using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Analysis;

/// <summary>Packet-level totals of one analysis run.</summary>
public sealed class CaptureStatistics
{
    public long Packets { get; internal set; }
    public long CapturedBytes { get; internal set; }
    public long TcpSegments { get; internal set; }
    public long SynSegments { get; internal set; }
    public long FinSegments { get; internal set; }
    public long RstSegments { get; internal set; }
    public long Ipv6Segments { get; internal set; }
    public long VlanSegments { get; internal set; }
    /// <summary>Segments whose payload was cut by the snapshot length (their real size still counts).</summary>
    public long SnaplenTruncatedSegments { get; internal set; }
    public DecodeCounters Decode { get; } = new();
    /// <summary>ns since the epoch; 0 when no packet was read.</summary>
    public long FirstTimestamp { get; internal set; }
    public long LastTimestamp { get; internal set; }
    public int FilesRead { get; internal set; }
}
