using System.Collections.ObjectModel;
using System.Net;
using System.Net.Sockets;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Scripts TCP conversations into frames with correct sequence numbers and checksums, for tests and
/// sample captures. Output is deterministic: the same script gives the same bytes on every run.
/// Supported link types: Ethernet (with optional 802.1Q/QinQ tags), raw IP, Linux SLL and SLL2
/// (the capturing host is taken to be each conversation's server), and BSD null/loopback.
/// </summary>
public sealed class TrafficBuilder
{
    /// <summary>Written as shb_userappl in pcapng output, so a file says where it came from.</summary>
    public const string ApplicationName = "PcapResetInspector TrafficBuilder";

    private readonly List<BuiltFrame> _frames = [];
    private readonly ReadOnlyCollection<BuiltFrame> _framesView;

    /// <param name="startNanos">The clock's start, nanoseconds since the Unix epoch (default 2023-11-14T22:13:20Z).</param>
    public TrafficBuilder(long startNanos = 1_700_000_000_000_000_000, int linkType = LinkTypes.Ethernet)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startNanos);
        if (!FrameEncoder.IsSupported(linkType))
        {
            throw new NotSupportedException("Link type " + LinkTypes.Name(linkType) + " is not supported by the traffic builder.");
        }
        Now = startNanos;
        LinkType = linkType;
        _framesView = _frames.AsReadOnly();
    }

    /// <summary>The builder clock, nanoseconds since the Unix epoch.</summary>
    public long Now { get; private set; }

    public int LinkType { get; }

    /// <summary>Pad Ethernet frames to the 60-byte minimum, as a receiving NIC delivers them (off by default).</summary>
    public bool PadEthernetFrames { get; set; }

    /// <summary>Every frame, in the order added.</summary>
    public IReadOnlyList<BuiltFrame> Frames => _framesView;

    /// <summary>Moves the clock forward. TimeSpan counts 100 ns ticks, so that is the finest step.</summary>
    public TrafficBuilder Advance(TimeSpan delta)
    {
        if (delta < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), "The clock only moves forward.");
        }
        Now = checked(Now + delta.Ticks * 100);
        return this;
    }

    /// <summary>
    /// Starts a conversation; nothing is sent until its methods are called. Both addresses must be
    /// of one family, which decides between IPv4 and IPv6.
    /// </summary>
    public TcpConversation Tcp(string client, ushort clientPort, string server, ushort serverPort, TcpConversationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        IPAddress clientAddress = IPAddress.Parse(client);
        IPAddress serverAddress = IPAddress.Parse(server);
        if (clientAddress.AddressFamily != serverAddress.AddressFamily)
        {
            throw new ArgumentException("The client and server addresses are of different families.", nameof(server));
        }
        if (clientAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses are supported.", nameof(client));
        }

        TcpConversationOptions copy = options?.Copy() ?? new TcpConversationOptions();
        copy.Validate(LinkType);
        return new TcpConversation(this, clientAddress.GetAddressBytes(), clientPort, serverAddress.GetAddressBytes(), serverPort, copy);
    }

    /// <summary>Adds a frame made elsewhere (a copy of it), for cases the conversation methods do not cover.</summary>
    public void AddRawFrame(long timestampNanos, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(timestampNanos);
        _frames.Add(new BuiltFrame(timestampNanos, (byte[])frame.Clone(), LinkType));
    }

    /// <summary>Writes every frame as classic pcap (snaplen 262144); the stream is left open.</summary>
    public void WritePcap(Stream stream, bool nanosecondResolution = false)
    {
        using var writer = new PcapWriter(stream, LinkType, nanosecondResolution: nanosecondResolution, leaveOpen: true);
        foreach (BuiltFrame frame in _frames)
        {
            if (frame.LinkType != LinkType)
            {
                throw new InvalidOperationException("Classic pcap holds one link type per file.");
            }
            writer.WritePacket(frame.TimestampNanos, frame.Data, frame.Data.Length);
        }
    }

    /// <summary>
    /// Writes every frame as little-endian pcapng: one interface per link type, nanosecond
    /// timestamps (if_tsresol 9). The stream is left open.
    /// </summary>
    public void WritePcapNg(Stream stream)
    {
        using var writer = new PcapNgWriter(stream, leaveOpen: true, userApplication: ApplicationName);
        var interfaces = new Dictionary<int, int>();
        foreach (BuiltFrame frame in _frames)
        {
            if (!interfaces.TryGetValue(frame.LinkType, out int interfaceId))
            {
                interfaceId = writer.AddInterface(frame.LinkType, tsResolution: 9);
                interfaces.Add(frame.LinkType, interfaceId);
            }
            writer.WritePacket(interfaceId, frame.TimestampNanos, frame.Data, frame.Data.Length);
        }
    }

    public byte[] ToPcapBytes(bool nanosecondResolution = false)
    {
        using var stream = new MemoryStream();
        WritePcap(stream, nanosecondResolution);
        return stream.ToArray();
    }

    public byte[] ToPcapNgBytes()
    {
        using var stream = new MemoryStream();
        WritePcapNg(stream);
        return stream.ToArray();
    }

    internal void AddFrame(byte[] frame) => _frames.Add(new BuiltFrame(Now, frame, LinkType));
}
