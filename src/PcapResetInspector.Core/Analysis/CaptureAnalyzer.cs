using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Analysis;

/// <summary>
/// The pipeline from captured frames to connections: decode each frame, count it, and feed TCP
/// segments to the connection tracker. Files and live captures go through the same steps; <see cref="Run"/>
/// may read and decode on a second thread (<see cref="DecodeOnSecondThread"/>).
/// </summary>
public sealed partial class CaptureAnalyzer
{
    private const int CancellationCheckInterval = 4096;
    private readonly ConnectionTracker _tracker;
    private readonly bool _verifyChecksums;

    public CaptureAnalyzer(IConnectionSink sink, ConnectionTrackerOptions? options = null)
    {
        _tracker = new ConnectionTracker(sink, options);
        // Checksum verification reads the whole frame in the tracker, which the second thread does not hand over.
        _verifyChecksums = options?.VerifyChecksums == true;
        DecodeOnSecondThread = Environment.ProcessorCount > 1 && !_verifyChecksums;
    }

    public CaptureStatistics Statistics { get; } = new();

    public ConnectionTracker Tracker => _tracker;

    /// <summary>
    /// Whether <see cref="Run"/> reads and decodes on a thread of its own while the calling thread tracks
    /// connections and runs the sinks. On by default when there is more than one processor; the sinks
    /// still run on the calling thread, in the same order, so the results are the same either way.
    /// </summary>
    public bool DecodeOnSecondThread { get; set; }

    /// <summary>
    /// With <see cref="DecodeOnSecondThread"/>: the sinks (race grouping, diagnosis, exports) run on a third
    /// thread, fed in order by the tracking thread (<see cref="ConnectionHandOff"/>), so the results are the
    /// same either way. On by default: on two cores it took a scan of 1.24 M connections from 12.3 s to 9.9 s.
    /// </summary>
    public bool DiagnoseOnThirdThread { get; set; } = true;

    /// <summary>1: everything on the calling thread; 2: reading and decoding on a second; 3: the sinks on a third as well.</summary>
    public void UseThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 3);
        DecodeOnSecondThread = threads >= 2 && !_verifyChecksums;
        DiagnoseOnThirdThread = threads == 3;
    }

    /// <summary>
    /// Sees every decoded TCP segment with its whole frame, on the thread that decodes (the second one
    /// when <see cref="DecodeOnSecondThread"/>): for what needs more payload than the tracker keeps.
    /// Read what it gathered only after <see cref="Run"/> returns.
    /// </summary>
    public ISegmentObserver? SegmentObserver { get; set; }

    /// <summary>Reads a source to its end (or until cancelled). Several sources read in turn form one timeline.</summary>
    /// <returns>False if cancellation stopped the read.</returns>
    public bool Run(IPacketSource source, CancellationToken cancellation = default)
    {
        Statistics.FilesRead++;
        if (DecodeOnSecondThread)
            return RunOnTwoThreads(source, cancellation);

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

    /// <summary>One frame: counted, decoded and, if it is TCP, tracked.</summary>
    public void Process(in PacketRecord packet)
    {
        if (Decode(in packet, out TcpSegment segment))
        {
            SegmentObserver?.Observe(in segment, packet.Data);
            Track(in segment, packet.Data);
        }
    }

    /// <summary>Counts and decodes a frame; true if it holds a TCP segment.</summary>
    private bool Decode(in PacketRecord packet, out TcpSegment segment)
    {
        CaptureStatistics stats = Statistics;
        stats.Packets++;
        stats.CapturedBytes += packet.Data.Length;
        stats.NoteLinkType(packet.LinkType);
        if (stats.FirstTimestamp == 0)
            stats.FirstTimestamp = packet.TimestampNanos;
        if (packet.TimestampNanos > stats.LastTimestamp)
            stats.LastTimestamp = packet.TimestampNanos;
        if (packet.TimestampNanos < stats.EarliestTimestamp)
            stats.EarliestTimestamp = packet.TimestampNanos;

        DecodeStatus status = PacketDecoder.Decode(in packet, out segment);
        stats.Decode.Add(status);
        if (status != DecodeStatus.Tcp)
        {
            if (status == DecodeStatus.UnsupportedLinkType)
                stats.NoteUnsupportedLinkType(packet.LinkType);
            return false;
        }

        stats.TcpSegments++;
        TcpFlags flags = segment.Flags;
        if ((flags & TcpFlags.Rst) != 0) stats.RstSegments++;
        if ((flags & TcpFlags.Syn) != 0) stats.SynSegments++;
        if ((flags & TcpFlags.Fin) != 0) stats.FinSegments++;
        if (segment.IpVersion == 6) stats.Ipv6Segments++;
        if (segment.Vlan != 0) stats.VlanSegments++;
        if (segment.CapturedPayloadLength < segment.PayloadLength) stats.SnaplenTruncatedSegments++;
        if (segment.TunnelDepth != 0) stats.TunnelledSegments++;
        return true;
    }

    /// <summary>Feeds a decoded segment to the connection tracker; <paramref name="frame"/> is the frame it came from.</summary>
    private void Track(in TcpSegment segment, ReadOnlySpan<byte> frame)
    {
        _tracker.Process(in segment, frame);
        if (_tracker.EvictedConnections != Statistics.EvictedConnections)
        {
            CaptureStatistics stats = Statistics;
            stats.EvictedConnections = _tracker.EvictedConnections;
            stats.EvictedHalfOpen = _tracker.EvictedHalfOpen;
            stats.EvictedFinished = _tracker.EvictedFinished;
            stats.EvictedActive = _tracker.EvictedActive;
        }
    }

    public void Finish() => _tracker.Drain();
}
