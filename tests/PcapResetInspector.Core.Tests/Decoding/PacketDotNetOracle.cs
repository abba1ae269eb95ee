using PacketDotNet;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Decoding;

/// <summary>
/// Decodes each frame with our span decoder and with PacketDotNet 1.4.8, and sorts every frame where the two
/// disagree into a kind (who saw TCP, which field differs, what PacketDotNet threw). Used by
/// <see cref="PacketDotNetOracleTests"/>, which lists the kinds and holds each to an explanation.
/// </summary>
internal sealed class PacketDotNetOracle
{
    private readonly Dictionary<string, List<string>> _disagreements = [];

    public int Frames { get; private set; }

    public int BothTcp { get; private set; }

    public int Agreed { get; private set; }

    /// <summary>Kind of disagreement, then "file#frame" examples.</summary>
    public IReadOnlyDictionary<string, List<string>> Disagreements => _disagreements;

    public void Compare(string path, string name)
    {
        CaptureFileSource source;
        try
        {
            source = CaptureFile.Open(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
        {
            return;   // not a capture our reader opens: nothing to decode
        }

        using (source)
        {
            int index = 0;
            while (source.TryReadNext(out PacketRecord packet))
            {
                index++;
                Frames++;
                if (Classify(packet) is { } kind)
                    Note(kind, $"{name}#{index}");
            }
        }
    }

    private string? Classify(in PacketRecord packet)
    {
        DecodeStatus ours = PacketDecoder.Decode(packet, out TcpSegment segment);
        TcpView? theirs;
        string stage = "parsing";
        try
        {
            TcpPacket? tcp = Packet.ParsePacket(ForPacketDotNet(packet.LinkType), packet.Data.ToArray()).Extract<TcpPacket>();
            // PacketDotNet parses lazily: a header or payload past the captured bytes throws only when read.
            stage = "reading the TCP fields";
            theirs = tcp is null ? null : new TcpView(tcp.ParentPacket as IPPacket, tcp.SourcePort, tcp.DestinationPort, (ushort)(tcp.Flags & 0x1FF),
                tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.PayloadData?.Length ?? 0);
        }
        catch (Exception e)
        {
            string what = e is NotImplementedException ? $" (link type {LinkTypes.Name(packet.LinkType)})" : "";
            return $"PacketDotNet threw {e.GetType().Name}{what} {stage}; ours: {ours}{Cut(packet, ours, segment)}";
        }

        if (ours != DecodeStatus.Tcp && theirs is null)
            return null;
        if (ours == DecodeStatus.Tcp && theirs is null)
            return $"only ours finds TCP (link type {LinkTypes.Name(packet.LinkType)}{(segment.IsTunnelled ? ", tunnelled " + segment.OuterTunnelKind : "")})";
        if (ours != DecodeStatus.Tcp)
            return $"only PacketDotNet finds TCP (ours: {ours})";

        BothTcp++;
        TcpView view = theirs!.Value;
        if (view.Ip is not { } ip)
            return "PacketDotNet's TCP has no IP parent";
        if (IpAddress128.FromIPAddress(ip.SourceAddress) != segment.SourceAddress || IpAddress128.FromIPAddress(ip.DestinationAddress) != segment.DestinationAddress)
            return "addresses differ" + (segment.IsTunnelled ? " (tunnelled)" : "");
        if (view.SourcePort != segment.SourcePort || view.DestinationPort != segment.DestinationPort)
            return "ports differ";
        if (view.Flags != (ushort)segment.Flags)
            return "flags differ";
        if (view.Sequence != segment.SequenceNumber || view.Acknowledgement != segment.AcknowledgmentNumber)
            return "sequence or acknowledgement numbers differ";
        if (view.PayloadLength != segment.CapturedPayloadLength)
        {
            string direction = view.PayloadLength > segment.CapturedPayloadLength ? "more" : "less";
            string capturedShort = segment.CapturedPayloadLength < segment.PayloadLength ? ", frame cut by the snapshot length" : "";
            return $"payload length differs: PacketDotNet counts {direction}{capturedShort}";
        }

        Agreed++;
        return null;
    }

    /// <summary>
    /// PacketDotNet's name for a link type. It has no case for LINKTYPE_IPV4/IPV6 (228/229) or OpenBSD's DLT_RAW
    /// (14), but its raw-IP parser reads the version from the first nibble, so those go to it as raw IP: the
    /// comparison then covers their frames too.
    /// </summary>
    private static LinkLayers ForPacketDotNet(int linkType) => linkType switch
    {
        LinkTypes.RawBsd14 or 228 or 229 => LinkLayers.Raw,
        _ => (LinkLayers)linkType,
    };

    /// <summary>How a frame we decode as TCP falls short of its own lengths, which is what PacketDotNet trips on.</summary>
    private static string Cut(in PacketRecord packet, DecodeStatus ours, in TcpSegment segment)
    {
        if (ours != DecodeStatus.Tcp)
            return "";
        if (segment.PayloadOffset > packet.Data.Length)
            return ", the TCP header's options cut by the capture";
        if (segment.CapturedPayloadLength < segment.PayloadLength)
            return ", payload cut by the snapshot length";
        return "";
    }

    private void Note(string kind, string where)
    {
        if (!_disagreements.TryGetValue(kind, out List<string>? examples))
            _disagreements[kind] = examples = [];
        examples.Add(where);
    }

    private readonly record struct TcpView(IPPacket? Ip, ushort SourcePort, ushort DestinationPort, ushort Flags, uint Sequence, uint Acknowledgement, int PayloadLength);
}
