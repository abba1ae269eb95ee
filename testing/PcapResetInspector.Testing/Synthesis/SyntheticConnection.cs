using System.Buffers.Binary;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// One packet a script wants sent: which connection and side, how long after the script's previous
/// packet, and what it carries. Values left unset (seq, ack, TTL, IP-ID) are taken from the
/// connection's state when the packet is written, so they follow everything written before it.
/// </summary>
internal struct Step
{
    public long Delay;
    public SyntheticConnection Connection;
    public Side From;
    public TcpFlags Flags;
    public PayloadKind Kind;
    public int Length;
    public int MessageLength;
    public int MessageOffset;
    public byte[]? Bytes;
    public StepOverrides Overrides;
    public uint Seq;
    public uint Ack;
    public byte Ttl;
    public ushort IpId;
    /// <summary>The 4 reserved bits of the data-offset byte (RFC 9293 §3.1), with <see cref="StepOverrides.Reserved"/>.</summary>
    public byte Reserved;
}

[Flags]
internal enum StepOverrides : byte
{
    None = 0,
    Seq = 1,
    Ack = 2,
    Ttl = 4,
    IpId = 8,
    Reserved = 16,
}

/// <summary>
/// A TCP connection of the generated capture: both endpoints' sequence numbers, options, IP-IDs and
/// timestamps, and the encoder that writes one frame (Ethernet, optional 802.1Q tag, IPv4 or IPv6,
/// TCP with correct checksums) straight into a reused buffer. The step methods only describe
/// packets; <see cref="Write"/> puts them on the wire in capture order.
/// </summary>
internal sealed partial class SyntheticConnection
{
    /// <summary>Room for Ethernet + 802.1Q + IPv6 + a full TCP header + one MSS.</summary>
    public const int MaxFrameLength = 14 + 4 + 40 + 60 + 1460;
    private const int MinimumEthernetFrame = 60;   // IEEE 802.3, without the FCS
    private const int TimestampOptionLength = 10;

    private Endpoint _client;
    private Endpoint _server;
    private readonly long _startNanos;

    public SyntheticConnection(
        SyntheticHost client, ushort clientPort, SyntheticHost server, ushort serverPort, bool ipv6, long startNanos, GeneratorRandom random)
    {
        if (ipv6 && (client.IPv6 is null || server.IPv6 is null))
            throw new ArgumentException("Both hosts need an IPv6 address.", nameof(ipv6));
        Client = client;
        Server = server;
        ClientPort = clientPort;
        ServerPort = serverPort;
        IsIPv6 = ipv6;
        Vlan = client.Vlan != 0 ? client.Vlan : server.Vlan;
        _startNanos = startNanos;
        _client = new Endpoint(client, clientPort, ipv6, random);
        _server = new Endpoint(server, serverPort, ipv6, random);
        // The farther host sets the round trip; 40 µs more for the two stacks' own turnaround.
        Rtt = Math.Max(2 * server.OneWayDelay, 2 * client.OneWayDelay) + 40_000;
    }

    public SyntheticHost Client { get; }
    public SyntheticHost Server { get; }
    public ushort ClientPort { get; }
    public ushort ServerPort { get; }
    public bool IsIPv6 { get; }
    public ushort Vlan { get; }
    /// <summary>Round-trip time between client and server in ns, as the capture point sees it.</summary>
    public long Rtt { get; }

    public uint Isn(Side side) => End(side).Isn;
    public uint NextSeq(Side side) => End(side).NextSeq;

    /// <summary>Payload bytes in a full segment from this side: the agreed MSS less the timestamp option.</summary>
    public int SegmentSize(Side from)
    {
        ref Endpoint sender = ref End(from);
        ref Endpoint receiver = ref End(Other(from));
        int mss = receiver.AnnouncedMss == 0 ? 536 : receiver.AnnouncedMss;   // RFC 9293 §3.7.1 default
        return sender.OfferedTimestamps && receiver.OfferedTimestamps ? mss - 12 : mss;
    }

    /// <summary>Moves a side's SND.NXT on without a packet: data sent but lost before the capture point.</summary>
    public void SkipSequence(Side side, int length) => End(side).NextSeq += (uint)length;

    public static Side Other(Side side) => side == Side.Client ? Side.Server : Side.Client;

    /// <summary>Writes the step's frame at time <paramref name="now"/> and updates the sender's state; returns the frame length.</summary>
    public int Write(in Step step, long now, Span<byte> frame) => Write(in step, now, frame, out _);

    /// <summary>As <see cref="Write(in Step, long, Span{byte})"/>; <paramref name="headersLength"/> is where the TCP header ends (link, IP and TCP headers).</summary>
    public int Write(in Step step, long now, Span<byte> frame, out int headersLength)
    {
        ref Endpoint sender = ref End(step.From);
        ref Endpoint receiver = ref End(Other(step.From));
        TcpFlags flags = step.Flags;
        bool isSyn = (flags & TcpFlags.Syn) != 0;
        bool isRst = (flags & TcpFlags.Rst) != 0;
        StackTraits traits = sender.Host.Traits;

        uint seq = (step.Overrides & StepOverrides.Seq) != 0 ? step.Seq : sender.NextSeq;
        uint ack = (step.Overrides & StepOverrides.Ack) != 0 ? step.Ack
            : (flags & TcpFlags.Ack) != 0 ? receiver.NextSeq : 0;
        byte ttl = (step.Overrides & StepOverrides.Ttl) != 0 ? step.Ttl : traits.Ttl;
        ushort ipId = (step.Overrides & StepOverrides.IpId) != 0 ? step.IpId : TakeIpId(ref sender);
        sender.LastIpId = ipId;
        byte reserved = (step.Overrides & StepOverrides.Reserved) != 0 ? (byte)(step.Reserved & 0x0F) : (byte)0;

        // Link layer: the receiver's MAC, the sender's, an 802.1Q tag if the client's segment has one.
        int offset = 0;
        receiver.Host.Mac.CopyTo(frame);
        sender.Host.Mac.CopyTo(frame[6..]);
        offset = 12;
        if (Vlan != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[offset..], 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame[(offset + 2)..], Vlan);
            offset += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame[offset..], IsIPv6 ? (ushort)0x86DD : (ushort)0x0800);
        offset += 2;
        int ipOffset = offset;
        int tcpOffset = ipOffset + (IsIPv6 ? 40 : 20);

        // TCP header (RFC 9293 §3.1) with its options.
        Span<byte> tcp = frame[tcpOffset..];
        int optionsLength;
        if (isSyn)
            optionsLength = WriteSynOptions(ref sender, ref receiver, (flags & TcpFlags.Ack) != 0, tcp[20..], now);
        else if (!isRst && sender.OfferedTimestamps && receiver.OfferedTimestamps)
        {
            tcp[20] = 1;
            tcp[21] = 1;
            optionsLength = 2 + WriteTimestampOption(ref sender, ref receiver, tcp[22..], echo: true, now);
        }
        else
            optionsLength = 0;

        int headerLength = 20 + optionsLength;
        ushort window = isRst ? (ushort)0 : isSyn ? traits.SynWindow : AdvertisedWindow(ref sender, ref receiver);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sender.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], receiver.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = (byte)(((headerLength / 4) << 4) | reserved);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        tcp[16] = 0;
        tcp[17] = 0;
        tcp[18] = 0;
        tcp[19] = 0;
        if (step.Length > 0)
            SyntheticPayload.Fill(tcp.Slice(headerLength, step.Length), step.Kind, step.Bytes, step.MessageLength, step.MessageOffset);
        int segmentLength = headerLength + step.Length;

        // IP header, then the TCP checksum over the pseudo-header.
        Span<byte> ip = frame[ipOffset..];
        ReadOnlySpan<byte> source = IsIPv6 ? sender.Host.IPv6 : sender.Host.IPv4;
        ReadOnlySpan<byte> destination = IsIPv6 ? receiver.Host.IPv6 : receiver.Host.IPv4;
        if (IsIPv6)
        {
            // RFC 8200 §3: no traffic class, the sender's flow label (RFC 6437), no extension headers.
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000 | sender.FlowLabel);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)segmentLength);
            ip[6] = 6;
            ip[7] = ttl;
            source.CopyTo(ip[8..]);
            destination.CopyTo(ip[24..]);
        }
        else
        {
            // RFC 791 §3.1: no options, DF set as Windows and Linux set it on TCP.
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + segmentLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
            ip[8] = ttl;
            ip[9] = 6;
            ip[10] = 0;
            ip[11] = 0;
            source.CopyTo(ip[12..]);
            destination.CopyTo(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Finish(InternetChecksum.Add(0, ip[..20])));
        }
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.ForTcp(source, destination, tcp[..segmentLength]));

        int length = tcpOffset + segmentLength;
        headersLength = tcpOffset + headerLength;
        if (length < MinimumEthernetFrame)
        {
            // A receiving NIC hands short frames over padded to the 802.3 minimum.
            frame[length..MinimumEthernetFrame].Clear();
            length = MinimumEthernetFrame;
        }

        if ((step.Overrides & StepOverrides.Seq) == 0)
            sender.NextSeq += (uint)step.Length + (isSyn ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
        return length;
    }

    private ushort TakeIpId(ref Endpoint sender)
    {
        if (IsIPv6)
            return 0;
        SyntheticHost host = sender.Host;
        if (host.Traits.RandomIpId)
            return (ushort)(sender.IpId++ * 40503 + 0x9E37);   // an odd multiplier permutes the counter: looks random, never repeats early
        if (host.Traits.GlobalIpId)
            return host.IpId++;
        return sender.IpId++;
    }

    private static ushort AdvertisedWindow(ref Endpoint sender, ref Endpoint receiver)
    {
        // RFC 7323 §2.2: windows after the SYNs are scaled only if both sides offered the option.
        int bytes = sender.Host.Traits.WindowBytes;
        if (sender.OfferedWindowScale is { } shift && receiver.OfferedWindowScale is not null)
            return (ushort)Math.Clamp(bytes >> shift, 1, ushort.MaxValue);
        return (ushort)Math.Min(bytes, ushort.MaxValue);
    }

    /// <summary>
    /// SYN options as Linux lays them out with timestamps (MSS, SACK-permitted, TS, NOP, WS) and
    /// Windows without (MSS, NOP, WS, NOP, NOP, SACK-permitted). A SYN-ACK offers only what the SYN did.
    /// </summary>
    private int WriteSynOptions(ref Endpoint sender, ref Endpoint receiver, bool isSynAck, Span<byte> options, long now)
    {
        StackTraits traits = sender.Host.Traits;
        bool answering = isSynAck && receiver.SentSyn;
        bool timestamps = traits.Timestamps && (!answering || receiver.OfferedTimestamps);
        bool sack = traits.Sack && (!answering || receiver.OfferedSack);
        byte? windowScale = answering && receiver.OfferedWindowScale is null ? null : traits.WindowScale;
        // A server always announces its MSS, even to a SYN without one (RFC 9293 §3.7.1).
        ushort mss = traits.Mss != 0 ? traits.Mss : (ushort)0;
        if (mss == 0 && isSynAck)
            mss = 1460;
        if (mss != 0 && IsIPv6)
            mss -= 20;

        sender.SentSyn = true;
        sender.OfferedTimestamps = timestamps;
        sender.OfferedSack = sack;
        sender.OfferedWindowScale = windowScale;
        sender.AnnouncedMss = mss;

        int n = 0;
        if (mss != 0)
        {
            options[n++] = 2;
            options[n++] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(options[n..], mss);
            n += 2;
        }
        if (timestamps)
        {
            if (sack)
            {
                options[n++] = 4;
                options[n++] = 2;
            }
            else
            {
                options[n++] = 1;
                options[n++] = 1;
            }
            n += WriteTimestampOption(ref sender, ref receiver, options[n..], echo: isSynAck, now);
        }
        if (windowScale is { } shift)
        {
            options[n++] = 1;
            options[n++] = 3;
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

    /// <summary>The TS option (RFC 7323 §3.2): TSval ticks once per millisecond from a per-side offset.</summary>
    private int WriteTimestampOption(ref Endpoint sender, ref Endpoint receiver, Span<byte> option, bool echo, long now)
    {
        uint tsVal = sender.TimestampOffset + (uint)((now - _startNanos) / 1_000_000);
        option[0] = 8;
        option[1] = TimestampOptionLength;
        BinaryPrimitives.WriteUInt32BigEndian(option[2..], tsVal);
        BinaryPrimitives.WriteUInt32BigEndian(option[6..], echo ? receiver.LastTimestampValue : 0);
        sender.LastTimestampValue = tsVal;
        return TimestampOptionLength;
    }

    private ref Endpoint End(Side side)
    {
        if (side == Side.Client)
            return ref _client;
        return ref _server;
    }

    private struct Endpoint
    {
        public Endpoint(SyntheticHost host, ushort port, bool ipv6, GeneratorRandom random)
        {
            Host = host;
            Port = port;
            Isn = random.NextUInt32();
            NextSeq = Isn;
            IpId = (ushort)random.Next(65536);
            TimestampOffset = random.NextUInt32();
            // Linux labels its IPv6 flows (auto_flowlabels); Windows sends label 0.
            FlowLabel = ipv6 && !host.Traits.GlobalIpId ? random.NextUInt32() & 0xFFFFF : 0;
        }

        public readonly SyntheticHost Host;
        public readonly ushort Port;
        public readonly uint Isn;
        public readonly uint TimestampOffset;
        public readonly uint FlowLabel;
        public uint NextSeq;
        public ushort IpId;
        /// <summary>The IP-ID of the last packet written from this side (the counter's or an override).</summary>
        public ushort LastIpId;
        public bool SentSyn;
        public bool OfferedTimestamps;
        public bool OfferedSack;
        public byte? OfferedWindowScale;
        public ushort AnnouncedMss;
        public uint LastTimestampValue;
    }
}
