using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Flows;

namespace PcapResetInspector.Core.Analysis;

/// <summary>
/// The pipeline from captured frames to connections: decode each frame, count it, and feed TCP
/// segments to the flow tracker. Files and live captures go through the same <see cref="Process"/>.
/// </summary>
public sealed class CaptureAnalyzer
{
    private const int CancellationCheckInterval = 4096;
    private readonly FlowTracker _tracker;

    public CaptureAnalyzer(IConnectionSink sink, FlowTrackerOptions? options = null)
    {
        _tracker = new FlowTracker(sink, options);
    }

    public CaptureStatistics Statistics { get; } = new();

    public FlowTracker Tracker => _tracker;

    /// <summary>Reads a source to its end (or until cancelled). Several sources read in turn form one timeline.</summary>
    /// <returns>False if cancellation stopped the read.</returns>
    public bool Run(IPacketSource source, CancellationToken cancellation = default)
    {
        Statistics.FilesRead++;
        int untilCheck = CancellationCheckInterval;
        while (source.TryReadNext(out PacketRecord packet))
        {
            Process(in packet);
            if (--untilCheck == 0)
            {
                untilCheck = CancellationCheckInterval;
                if (cancellation.IsCancellationRequested)
                    return false;
            }
        }
        return !cancellation.IsCancellationRequested;
    }

    /// <summary>Decodes and tracks one frame.</summary>
    public void Process(in PacketRecord packet)
    {
        CaptureStatistics stats = Statistics;
        stats.Packets++;
        stats.CapturedBytes += packet.Data.Length;
        stats.NoteLinkType(packet.LinkType);
        if (stats.FirstTimestamp == 0)
            stats.FirstTimestamp = packet.TimestampNanos;
        if (packet.TimestampNanos > stats.LastTimestamp)
            stats.LastTimestamp = packet.TimestampNanos;

        DecodeStatus status = PacketDecoder.Decode(in packet, out TcpSegment segment);
        stats.Decode.Add(status);
        if (status != DecodeStatus.Tcp)
            return;

        stats.TcpSegments++;
        TcpFlags flags = segment.Flags;
        if ((flags & TcpFlags.Rst) != 0) stats.RstSegments++;
        if ((flags & TcpFlags.Syn) != 0) stats.SynSegments++;
        if ((flags & TcpFlags.Fin) != 0) stats.FinSegments++;
        if (segment.IpVersion == 6) stats.Ipv6Segments++;
        if (segment.Vlan != 0) stats.VlanSegments++;
        if (segment.CapturedPayloadLength < segment.PayloadLength) stats.SnaplenTruncatedSegments++;

        _tracker.Process(in segment, packet.Data);
        if (_tracker.EvictedConnections != stats.EvictedConnections)
        {
            stats.EvictedConnections = _tracker.EvictedConnections;
            stats.EvictedHalfOpen = _tracker.EvictedHalfOpen;
            stats.EvictedFinished = _tracker.EvictedFinished;
            stats.EvictedActive = _tracker.EvictedActive;
        }
    }

    /// <summary>End of all input: the connections still open leave the table.</summary>
    public void Finish() => _tracker.Drain();
}
