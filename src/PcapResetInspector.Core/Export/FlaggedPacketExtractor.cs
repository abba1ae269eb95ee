using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Writes every packet of the flagged connections (not only their RSTs) to a new capture, for
/// Wireshark. A connection is known to be flagged only after it ended and was diagnosed, so this is a
/// second pass: <see cref="Remember"/> collects each flagged connection's 5-tuple and the range of its
/// segments' places in the input (<see cref="ConnectionSummary.FirstSegment"/>), <see cref="Extract"/>
/// then reads the inputs again, counting the TCP segments the same way, and copies those that fall in
/// one of them. Places, not times: a capture's clock may go backwards (several interfaces, merged
/// files), and a time span then missed the packets stamped after the connection's last one in file order
/// (issue 21: the RSTs after the FIN exchange). Memory is one struct entry per flagged connection (about
/// 70 bytes), and at most <see cref="MaxRemembered"/> of them: a flood of flagged connections cannot
/// take the machine's memory.
/// </summary>
public sealed class FlaggedPacketExtractor
{
    /// <summary>Flagged connections remembered for the extract by default (about 70 MB at most).</summary>
    public const int DefaultMaxRemembered = 1_000_000;

    /// <summary>A connection's segment range; <see cref="More"/> chains further ranges of the same tuple (1-based, 0 = none).</summary>
    private struct Span
    {
        public long First;
        public long Last;
        public int More;
    }

    private readonly Dictionary<ConnectionKey, Span> _spans = new();
    private readonly List<Span> _moreSpans = [];
    private readonly bool _includeVlan;
    private long _segmentsRead;

    public FlaggedPacketExtractor(bool includeVlan, int maxRemembered = DefaultMaxRemembered)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRemembered);
        _includeVlan = includeVlan;
        MaxRemembered = maxRemembered;
    }

    public int MaxRemembered { get; }

    public int ConnectionsRemembered { get; private set; }

    /// <summary>Flagged connections past <see cref="MaxRemembered"/>: not in the extract (still in the report and the exports).</summary>
    public long ConnectionsNotRemembered { get; private set; }

    public long PacketsWritten { get; private set; }

    public void Remember(ConnectionSummary connection)
    {
        if (ConnectionsRemembered >= MaxRemembered)
        {
            ConnectionsNotRemembered++;
            return;
        }
        var key = ConnectionKey.Create(connection.Originator.Address, connection.Originator.Port,
            connection.Responder.Address, connection.Responder.Port, _includeVlan ? VlanKey(connection.Vlan, connection.InnerVlan) : 0u, out _);
        // Every segment on the tuple from its first to its last is the connection's: the tracker holds one
        // connection per tuple at a time, so the RSTs and late ACKs after a close are in the range too.
        var span = new Span { First = connection.FirstSegment, Last = connection.LastSegment };
        ref Span first = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_spans, key, out bool exists);
        if (exists)
        {
            span.More = first.More;
            _moreSpans.Add(span);
            first.More = _moreSpans.Count;
        }
        else
        {
            first = span;
        }
        ConnectionsRemembered++;
    }

    /// <summary>True when the segment, the <paramref name="segmentNumber"/>th TCP segment of the input (1-based), belongs to a remembered connection.</summary>
    public bool Wants(in TcpSegment segment, long segmentNumber)
    {
        var key = ConnectionKey.Create(segment.SourceAddress, segment.SourcePort, segment.DestinationAddress, segment.DestinationPort,
            _includeVlan ? VlanKey(segment.Vlan, segment.InnerVlan) : 0u, out _);
        if (!_spans.TryGetValue(key, out Span span))
            return false;
        while (true)
        {
            if (segmentNumber >= span.First && segmentNumber <= span.Last)
                return true;
            if (span.More == 0)
                return false;
            span = _moreSpans[span.More - 1];
        }
    }

    // As ConnectionTracker keys connections with --include-vlan (Zeek's vlan_fivetuple: outer and inner tag).
    private static uint VlanKey(ushort vlan, ushort innerVlan) => ((uint)vlan << 16) | innerVlan;

    /// <summary>
    /// Copies the wanted packets of <paramref name="source"/> to <paramref name="output"/>. The inputs must be
    /// given in the order, and through the same filter and time window, as in the analysis. In pcap when
    /// all of them share one link type and pcapng otherwise (or when asked for), keeping each packet's
    /// original length and nanosecond timestamp.
    /// </summary>
    public void Extract(IPacketSource source, FlaggedCaptureOutput output, CancellationToken cancellation = default)
    {
        if (_spans.Count == 0)
            return;
        output.BeginInput();
        long packets = 0;
        while (source.TryReadNext(out PacketRecord packet))
        {
            if ((++packets & 0xFFF) == 0 && cancellation.IsCancellationRequested)
                return;
            // Counted as CaptureAnalyzer hands segments to the tracker: every frame that decodes to TCP, in file order.
            if (PacketDecoder.Decode(in packet, out TcpSegment segment) != DecodeStatus.Tcp || !Wants(in segment, ++_segmentsRead))
                continue;
            output.Write(in packet);
            PacketsWritten++;
        }
    }
}

/// <summary>
/// The capture the flagged packets go to. Classic pcap holds one link type, so a capture mixing link
/// types (pcapng inputs with several interfaces, or files of different kinds) is written as pcapng.
/// </summary>
public sealed class FlaggedCaptureOutput : IDisposable
{
    private readonly Stream _stream;
    private readonly PcapWriter? _pcap;
    // The original interfaces, each input's apart (interface 0 of two files is two interfaces).
    private readonly Dictionary<(int Input, int Interface, int LinkType), int> _interfaces = new();
    private int _input;
    private PcapNgWriter? _pcapNg;

    /// <param name="linkTypes">Every link type the inputs carry (from the first pass).</param>
    /// <param name="timesFitClassicPcap">
    /// Every time the first pass read lies between 1970 and 2106, which classic pcap's 32-bit seconds hold;
    /// otherwise the extract is pcapng, whose 64-bit counts hold them as they were read.
    /// </param>
    public FlaggedCaptureOutput(Stream stream, IReadOnlyCollection<int> linkTypes, bool preferPcapNg, bool timesFitClassicPcap = true)
    {
        _stream = stream;
        if (!preferPcapNg && linkTypes.Count <= 1 && timesFitClassicPcap)
            _pcap = new PcapWriter(stream, linkTypes.Count == 1 ? linkTypes.First() : LinkTypes.Ethernet, nanosecondResolution: true, leaveOpen: true);
    }

    public bool IsPcapNg => _pcap is null;

    /// <summary>The packets that follow come from the next input file.</summary>
    public void BeginInput() => _input++;

    public void Write(in PacketRecord packet)
    {
        if (_pcap is not null)
        {
            _pcap.WritePacket(packet.TimestampNanos, packet.Data, packet.OriginalLength);
            return;
        }
        _pcapNg ??= new PcapNgWriter(_stream, leaveOpen: true);
        if (!_interfaces.TryGetValue((_input, packet.InterfaceId, packet.LinkType), out int id))
            _interfaces[(_input, packet.InterfaceId, packet.LinkType)] = id = _pcapNg.AddInterface(packet.LinkType, tsResolution: 9);
        _pcapNg.WritePacket(id, packet.TimestampNanos, packet.Data, packet.OriginalLength);
    }

    /// <summary>Writes out what is buffered; a pcapng output that got no packet still gets its section header.</summary>
    public void Flush()
    {
        if (_pcap is not null)
        {
            _pcap.Flush();
            return;
        }
        _pcapNg ??= new PcapNgWriter(_stream, leaveOpen: true);
        _pcapNg.Flush();
    }

    public void Dispose()
    {
        _pcap?.Dispose();
        _pcapNg?.Dispose();
    }
}
