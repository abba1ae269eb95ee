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
    /// <summary>TCP segments found inside a tunnel (GRE, VXLAN, IP-in-IP, ...).</summary>
    public long TunnelledSegments { get; internal set; }

    /// <summary>Frames of each link type the decoder does not know, so a report can name them.</summary>
    public IReadOnlyDictionary<int, long> UnsupportedLinkTypes => _unsupportedLinkTypes;

    private readonly Dictionary<int, long> _unsupportedLinkTypes = [];

    internal void NoteUnsupportedLinkType(int linkType) =>
        _unsupportedLinkTypes[linkType] = _unsupportedLinkTypes.GetValueOrDefault(linkType) + 1;
    public DecodeCounters Decode { get; } = new();
    /// <summary>ns since the epoch; 0 when no packet was read.</summary>
    public long FirstTimestamp { get; internal set; }
    public long LastTimestamp { get; internal set; }
    /// <summary>The earliest time read (packets may come out of order), for outputs whose format bounds it.</summary>
    public long EarliestTimestamp { get; internal set; } = long.MaxValue;
    public int FilesRead { get; internal set; }

    /// <summary>The link types the packets carried, in the order first seen (a pcap writer needs one; several mean pcapng).</summary>
    public IReadOnlyList<int> LinkTypes => _linkTypes;

    private readonly List<int> _linkTypes = [];
    private int _lastLinkType = -1;

    /// <summary>Cheap per packet: only a change of link type from the previous packet looks at the list.</summary>
    internal void NoteLinkType(int linkType)
    {
        if (linkType == _lastLinkType)
            return;
        _lastLinkType = linkType;
        if (!_linkTypes.Contains(linkType))
            _linkTypes.Add(linkType);
    }

    /// <summary>
    /// Connections the connection-table cap (<see cref="Connections.ConnectionTrackerOptions.MaxConnections"/>) pushed out of
    /// the table before their time; they are still reported, marked as evicted.
    /// </summary>
    public long EvictedConnections { get; internal set; }
    /// <summary>Of <see cref="EvictedConnections"/>: half-open ones, where only one host had sent anything or the handshake never completed (a SYN flood's attempts).</summary>
    public long EvictedHalfOpen { get; internal set; }
    /// <summary>Of <see cref="EvictedConnections"/>: ones already closed or reset, waiting out the close delay.</summary>
    public long EvictedFinished { get; internal set; }
    /// <summary>Of <see cref="EvictedConnections"/>: open connections both hosts had taken part in.</summary>
    public long EvictedActive { get; internal set; }
}
