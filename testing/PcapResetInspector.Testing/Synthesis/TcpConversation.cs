using PcapResetInspector.Core.Net;
using System.Buffers.Binary;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// One scripted TCP connection. Every method emits one packet stamped at the builder's clock, then
/// moves the clock on by <see cref="TcpConversationOptions.Gap"/>. Sequence and acknowledgment
/// numbers follow RFC 9293 §3.4 with no loss: each side acknowledges everything the other has sent.
/// </summary>
public sealed class TcpConversation
{
    private const int TimestampOptionLength = 10;

    private readonly TrafficBuilder _builder;
    private readonly TcpConversationOptions _options;
    private readonly long _startNanos;
    private readonly Endpoint _client;
    private readonly Endpoint _server;

    internal TcpConversation(TrafficBuilder builder, byte[] clientAddress, ushort clientPort, byte[] serverAddress, ushort serverPort, TcpConversationOptions options)
    {
        _builder = builder;
        _options = options;
        _startNanos = builder.Now;

        uint clientIsn = options.ClientIsn ?? TupleHash(clientAddress, clientPort, serverAddress, serverPort, 1);
        uint serverIsn = options.ServerIsn ?? TupleHash(clientAddress, clientPort, serverAddress, serverPort, 2);
        _client = new Endpoint(clientAddress, clientPort, clientIsn, options.ClientIpId, options.ClientTtl, options.ClientWindow,
            TupleHash(clientAddress, clientPort, serverAddress, serverPort, 3));
        _server = new Endpoint(serverAddress, serverPort, serverIsn, options.ServerIpId, options.ServerTtl, options.ServerWindow,
            TupleHash(clientAddress, clientPort, serverAddress, serverPort, 4));
    }

    public uint ClientIsn => _client.Isn;
    public uint ServerIsn => _server.Isn;

    /// <summary>The client's SND.NXT: the sequence number of its next new byte.</summary>
    public uint ClientNextSeq => _client.NextSeq;

    /// <summary>The server's SND.NXT.</summary>
    public uint ServerNextSeq => _server.NextSeq;

    public bool IsIPv6 => _client.Address.Length == 16;

    /// <summary>Client SYN with MSS, window scale, SACK-permitted and timestamps as the options say.</summary>
    public TcpConversation Syn() => Send(Side.Client, TcpFlags.Syn, default);

    /// <summary>Server SYN-ACK, offering only the options the client's SYN offered (RFC 7323 §1.3, RFC 2018 §2).</summary>
    public TcpConversation SynAck() => Send(Side.Server, TcpFlags.Syn | TcpFlags.Ack, default);

    /// <summary>A pure ACK of everything the other side has sent.</summary>
    public TcpConversation Ack(Side from = Side.Client) => Send(from, TcpFlags.Ack, default);

    public TcpConversation Handshake() => Syn().SynAck().Ack(Side.Client);

    /// <summary>PSH|ACK carrying <paramref name="length"/> bytes of lowercase letters that follow the stream offset.</summary>
    public TcpConversation Data(Side from, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Endpoint sender = EndpointOf(from);
        // Filler keyed to the stream position, so the same bytes always sit at the same sequence number.
        uint streamOffset = sender.NextSeq - sender.Isn - 1;
        var payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)('a' + (int)((streamOffset + (uint)i) % 26));
        }
        return Send(from, TcpFlags.Psh | TcpFlags.Ack, payload);
    }

    /// <summary>PSH|ACK carrying <paramref name="payload"/>.</summary>
    public TcpConversation Data(Side from, ReadOnlySpan<byte> payload) => Send(from, TcpFlags.Psh | TcpFlags.Ack, payload);

    /// <summary>FIN|ACK; the FIN takes one sequence number.</summary>
    public TcpConversation Fin(Side from) => Send(from, TcpFlags.Fin | TcpFlags.Ack, default);

    /// <summary>
    /// RST at the side's SND.NXT, window 0. Without <paramref name="withAck"/> it is the bare
    /// &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; that answers a segment with no matching socket (RFC 9293
    /// §3.10.7.1); with it, the RST|ACK a stack sends when an application aborts (§3.10.4).
    /// </summary>
    public TcpConversation Rst(Side from, bool withAck = false) =>
        Send(from, withAck ? TcpFlags.Rst | TcpFlags.Ack : TcpFlags.Rst, default);

    /// <summary>
    /// A closed port answering the SYN: &lt;SEQ=0&gt;&lt;ACK=SEG.SEQ+SEG.LEN&gt;&lt;CTL=RST,ACK&gt;
    /// (RFC 9293 §3.10.7.1), i.e. ack = client ISN + 1.
    /// </summary>
    public TcpConversation RefuseWithRst() =>
        Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, seq: 0, ack: _client.Isn + 1);

    /// <summary>
    /// A keep-alive probe (RFC 9293 §3.8.4): ACK with seq = SND.NXT - 1, carrying nothing, or one
    /// zero byte when <see cref="TcpConversationOptions.KeepAliveWithGarbageByte"/> is set. SND.NXT is unchanged.
    /// </summary>
    public TcpConversation KeepAlive(Side from)
    {
        Endpoint sender = EndpointOf(from);
        ReadOnlySpan<byte> garbage = _options.KeepAliveWithGarbageByte ? [0] : default;
        return Send(from, TcpFlags.Ack, garbage, seq: sender.NextSeq - 1);
    }

    /// <summary>
    /// Sends the side's last segment again, TCP header and payload byte for byte (same seq, ack,
    /// options). Only the IP header changes: a retransmission is a new datagram with the next IP id.
    /// </summary>
    public TcpConversation RetransmitLast(Side from)
    {
        Endpoint sender = EndpointOf(from);
        if (sender.LastSegment is null)
        {
            throw new InvalidOperationException("The " + from.ToString().ToLowerInvariant() + " has sent nothing to retransmit.");
        }
        Emit(from, sender.LastSegment, sender.LastTtl, sender.TakeIpId());
        return this;
    }

    /// <summary>
    /// Sends any segment. Left null, <paramref name="seq"/> is the side's SND.NXT, which then advances
    /// by the payload length plus one for SYN and for FIN; <paramref name="ack"/> is everything the
    /// other side has sent when ACK is set, else 0; <paramref name="window"/> is the side's window
    /// (0 on RSTs); <paramref name="ttl"/> and <paramref name="ipId"/> come from the side's settings,
    /// and a given <paramref name="ipId"/> leaves the side's IP-id counter alone. SYNs carry the
    /// handshake options, other segments except RSTs carry timestamps once both SYNs had them.
    /// </summary>
    /// <param name="extraOptions">Option bytes added after the ones the builder writes (a multiple of 4 bytes, e.g. an MP_TCPRST).</param>
    public TcpConversation Send(Side from, TcpFlags flags, ReadOnlySpan<byte> payload, uint? seq = null, uint? ack = null, byte? ttl = null, ushort? ipId = null,
        ushort? window = null, byte[]? extraOptions = null)
    {
        Endpoint sender = EndpointOf(from);
        Endpoint receiver = EndpointOf(from == Side.Client ? Side.Server : Side.Client);
        bool isSyn = (flags & TcpFlags.Syn) != 0;
        bool isRst = (flags & TcpFlags.Rst) != 0;

        uint seqValue = seq ?? sender.NextSeq;
        uint ackValue = ack ?? ((flags & TcpFlags.Ack) != 0 ? receiver.NextSeq : 0);

        Span<byte> options = stackalloc byte[40];
        int optionsLength;
        if (isSyn)
        {
            optionsLength = WriteSynOptions(sender, receiver, (flags & TcpFlags.Ack) != 0, options);
        }
        else if (!isRst && sender.OfferedTimestamps && receiver.OfferedTimestamps)
        {
            optionsLength = WriteTimestamps(sender, receiver, options);
        }
        else
        {
            optionsLength = 0;
        }
        if (extraOptions is not null)
        {
            extraOptions.CopyTo(options[optionsLength..]);
            optionsLength += extraOptions.Length;
        }

        ushort windowValue = window ?? (isRst ? (ushort)0 : AdvertisedWindow(sender, receiver, isSyn));
        byte[] segment = BuildSegment(sender, receiver, seqValue, ackValue, flags, windowValue, options[..optionsLength], payload);

        byte ttlValue = ttl ?? sender.Ttl;
        Emit(from, segment, ttlValue, ipId ?? sender.TakeIpId());
        sender.LastSegment = segment;
        sender.LastTtl = ttlValue;

        if (seq is null)
        {
            sender.NextSeq += (uint)payload.Length + (isSyn ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
        }
        return this;
    }

    /// <summary>Moves the builder's clock on (the same as <see cref="TrafficBuilder.Advance"/>).</summary>
    public TcpConversation Wait(TimeSpan delta)
    {
        _builder.Advance(delta);
        return this;
    }

    private Endpoint EndpointOf(Side side) => side switch
    {
        Side.Client => _client,
        Side.Server => _server,
        _ => throw new ArgumentOutOfRangeException(nameof(side)),
    };

    private void Emit(Side from, byte[] segment, byte ttl, ushort ipId)
    {
        Endpoint sender = EndpointOf(from);
        Endpoint receiver = EndpointOf(from == Side.Client ? Side.Server : Side.Client);
        // The Linux cooked headers need a capturing host: it is taken to be the server.
        byte[] frame = FrameEncoder.Encode(
            _builder.LinkType, _options.Vlan, _options.InnerVlan, _builder.PadEthernetFrames, from == Side.Server,
            sender.Address, receiver.Address, ttl, ipId, _options.DontFragment, segment);
        _builder.AddFrame(frame);
        _builder.Advance(_options.Gap);
    }

    private ushort AdvertisedWindow(Endpoint sender, Endpoint receiver, bool isSyn)
    {
        // The window in a SYN is never scaled (RFC 7323 §2.2); later ones are once both sides offered scaling.
        if (isSyn || sender.OfferedWindowScale is not { } shift || receiver.OfferedWindowScale is null)
        {
            return sender.Window;
        }
        return (ushort)Math.Max(1, sender.Window >> shift);
    }

    /// <summary>
    /// SYN options laid out as Linux does with timestamps (MSS, SACK-permitted, TS, NOP, WS) and as
    /// Windows does without (MSS, NOP, WS, NOP, NOP, SACK-permitted). A SYN-ACK offers an option
    /// only when the client's SYN did.
    /// </summary>
    private int WriteSynOptions(Endpoint sender, Endpoint receiver, bool isSynAck, Span<byte> options)
    {
        bool answering = isSynAck && receiver.SentSyn;
        bool timestamps = _options.Timestamps && (!answering || receiver.OfferedTimestamps);
        bool sack = _options.SackPermitted && (!answering || receiver.OfferedSack);
        byte? windowScale = answering && receiver.OfferedWindowScale is null ? null : _options.WindowScale;

        sender.SentSyn = true;
        sender.OfferedTimestamps = timestamps;
        sender.OfferedSack = sack;
        sender.OfferedWindowScale = windowScale;

        int n = 0;
        options[n++] = 2;   // MSS (RFC 9293 §3.2)
        options[n++] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(options[n..], _options.Mss);
        n += 2;
        if (timestamps)
        {
            if (sack)
            {
                options[n++] = 4;   // SACK-permitted (RFC 2018 §2)
                options[n++] = 2;
            }
            else
            {
                options[n++] = 1;
                options[n++] = 1;
            }
            n += WriteTimestampOption(sender, receiver, options[n..], echo: isSynAck);
        }
        if (windowScale is { } shift)
        {
            options[n++] = 1;
            options[n++] = 3;   // window scale (RFC 7323 §2.2)
            options[n++] = 3;
            options[n++] = shift;
        }
        if (sack && !timestamps)
        {
            options[n++] = 1;
            options[n++] = 1;
            options[n++] = 4;
            options[n++] = 2;
        }
        return n;
    }

    private int WriteTimestamps(Endpoint sender, Endpoint receiver, Span<byte> options)
    {
        options[0] = 1;
        options[1] = 1;
        return 2 + WriteTimestampOption(sender, receiver, options[2..], echo: true);
    }

    /// <summary>
    /// The 10-byte TS option (RFC 7323 §3.2). TSval ticks once per millisecond of builder time from
    /// a per-side offset; TSecr echoes the peer's latest TSval, or 0 in a SYN.
    /// </summary>
    private int WriteTimestampOption(Endpoint sender, Endpoint receiver, Span<byte> option, bool echo)
    {
        uint tsVal = sender.TimestampOffset + (uint)((_builder.Now - _startNanos) / 1_000_000);
        option[0] = 8;
        option[1] = TimestampOptionLength;
        BinaryPrimitives.WriteUInt32BigEndian(option[2..], tsVal);
        BinaryPrimitives.WriteUInt32BigEndian(option[6..], echo ? receiver.LastTimestampValue : 0);
        sender.LastTimestampValue = tsVal;
        return TimestampOptionLength;
    }

    /// <summary>The TCP header (RFC 9293 §3.1) plus payload, with its checksum filled in.</summary>
    private static byte[] BuildSegment(Endpoint sender, Endpoint receiver, uint seq, uint ack, TcpFlags flags, ushort window, ReadOnlySpan<byte> options, ReadOnlySpan<byte> payload)
    {
        int headerLength = 20 + options.Length;
        var segment = new byte[headerLength + payload.Length];
        Span<byte> tcp = segment;
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sender.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], receiver.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        // Data offset in 32-bit words; the low bit of byte 12 is the old NS flag (RFC 3540).
        tcp[12] = (byte)(((headerLength / 4) << 4) | (((int)flags >> 8) & 1));
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        // Checksum at 16 stays 0 until computed; urgent pointer at 18 stays 0.
        options.CopyTo(tcp[20..]);
        payload.CopyTo(tcp[headerLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.ForTcp(sender.Address, receiver.Address, segment));
        return segment;
    }

    /// <summary>FNV-1a over the 4-tuple and a purpose tag: stable across runs, unlike string.GetHashCode.</summary>
    private static uint TupleHash(byte[] clientAddress, ushort clientPort, byte[] serverAddress, ushort serverPort, byte purpose)
    {
        uint hash = 2166136261;
        void Mix(byte value) => hash = (hash ^ value) * 16777619;
        foreach (byte b in clientAddress)
        {
            Mix(b);
        }
        Mix((byte)(clientPort >> 8));
        Mix((byte)clientPort);
        foreach (byte b in serverAddress)
        {
            Mix(b);
        }
        Mix((byte)(serverPort >> 8));
        Mix((byte)serverPort);
        Mix(purpose);
        return hash;
    }

    private sealed class Endpoint(byte[] address, ushort port, uint isn, ushort firstIpId, byte ttl, ushort window, uint timestampOffset)
    {
        private ushort _nextIpId = firstIpId;

        public byte[] Address { get; } = address;
        public ushort Port { get; } = port;
        public uint Isn { get; } = isn;
        public byte Ttl { get; } = ttl;
        public ushort Window { get; } = window;
        public uint TimestampOffset { get; } = timestampOffset;

        public uint NextSeq { get; set; } = isn;
        public bool SentSyn { get; set; }
        public bool OfferedTimestamps { get; set; }
        public bool OfferedSack { get; set; }
        public byte? OfferedWindowScale { get; set; }
        public uint LastTimestampValue { get; set; }
        public byte[]? LastSegment { get; set; }
        public byte LastTtl { get; set; }

        public ushort TakeIpId() => _nextIpId++;
    }
}
