using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Analysis;

/// <summary>Looks at decoded TCP segments beside the tracker (see <see cref="CaptureAnalyzer.SegmentObserver"/>).</summary>
public interface ISegmentObserver
{
    void Observe(in TcpSegment segment, ReadOnlySpan<byte> frame);
}
