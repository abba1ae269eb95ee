using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Decoding;

/// <summary>Which TCP options a segment carried (RFC 9293 §3.2, RFC 7323, RFC 2018).</summary>
[Flags]
public enum TcpOptionsSeen : byte
{
    None = 0,
    Mss = 1,
    WindowScale = 2,
    SackPermitted = 4,
    Sack = 8,
    Timestamps = 16,
    /// <summary>MPTCP's MP_TCPRST (RFC 8684 §3.6): the reason a RST was sent.</summary>
    MptcpReset = 32,
}

/// <summary>The encapsulation a tunnelled segment arrived in (Zeek's Tunnel::Type, for the kinds decoded).</summary>
public enum TunnelKind : byte
{
    None = 0,
    /// <summary>IPv4 or IPv6 directly in IPv4 or IPv6 (RFC 2003, RFC 2473, RFC 4213).</summary>
    IpInIp,
    /// <summary>GRE (RFC 2784, RFC 2890), PPTP's enhanced GRE (RFC 2637) and ERSPAN in GRE included.</summary>
    Gre,
    /// <summary>RFC 7348.</summary>
    Vxlan,
    /// <summary>RFC 8926.</summary>
    Geneve,
    /// <summary>GTP-U, 3GPP TS 29.281.</summary>
    GtpU,
    /// <summary>RFC 4380.</summary>
    Teredo,
    /// <summary>Anything In Anything (draft-massar-v6ops-ayiya).</summary>
    Ayiya,
}

/// <summary>
/// The decoded view of one TCP segment: scalars only, so it can be stored and copied freely.
/// Addresses are 128-bit; IPv4 addresses are IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2).
/// A segment that came through tunnels describes the innermost packet (Zeek's rule: the inner connection
/// is the connection); the Tunnel and Outer fields say what it came through.
/// </summary>
public struct TcpSegment
{
    public long TimestampNanos;
    public IpAddress128 SourceAddress;
    public IpAddress128 DestinationAddress;
    public ushort SourcePort;
    public ushort DestinationPort;
    public uint SequenceNumber;
    public uint AcknowledgmentNumber;
    public TcpFlags Flags;
    /// <summary>The reserved header bits (RFC 9293 §3.1), nonzero only from nonconforming senders such as some RST injectors.</summary>
    public byte ReservedBits;
    /// <summary>The advertised window as sent, before any window scaling.</summary>
    public ushort Window;

    /// <summary>Payload length from the IP length fields, so snaplen-truncated segments count their real size.</summary>
    public int PayloadLength;
    /// <summary>How many payload bytes are actually in the captured frame.</summary>
    public int CapturedPayloadLength;
    /// <summary>Offset of the payload within the frame.</summary>
    public int PayloadOffset;
    public int IpHeaderOffset;
    public int TcpHeaderOffset;

    /// <summary>IPv4 total length, or IPv6 payload length + 40: Zeek's ip_bytes.</summary>
    public int IpTotalLength;
    public byte IpVersion;
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;
    /// <summary>IPv4 identification field (0 for IPv6).</summary>
    public ushort IpId;
    public bool DontFragment;
    /// <summary>
    /// The segment came in the first fragment of a fragmented datagram (IPv4 MF, or an IPv6 fragment header
    /// with M set): <see cref="PayloadLength"/> then covers this fragment only.
    /// </summary>
    public bool FirstFragment;
    /// <summary>
    /// The segment was tunnelled in the first fragment of a fragmented outer packet that was captured whole:
    /// its payload is cut where that fragment ends, not by the snapshot length, and the rest is in the next
    /// fragment (not reassembled here), so <see cref="CapturedPayloadLength"/> below <see cref="PayloadLength"/>
    /// does not mean the capture lacks it.
    /// </summary>
    public bool CutByOuterFragmentation;

    /// <summary>
    /// Outer 802.1Q/802.1ad VLAN id of the Ethernet frame that carried the IP packet, 0 when untagged. In a
    /// tunnel this is the tunnelled Ethernet frame's tag (VXLAN, Geneve, GRE bridging, ERSPAN), 0 when the
    /// tunnel carries IP directly, as Zeek keys the inner connection; the capture's tag is <see cref="OuterVlan"/>.
    /// </summary>
    public ushort Vlan;
    /// <summary>Inner VLAN id of a QinQ frame, 0 when there is none (same frame as <see cref="Vlan"/>).</summary>
    public ushort InnerVlan;

    /// <summary>How many tunnels the segment was found in: 0 for a plain segment, at most <see cref="PacketDecoder.MaxTunnelDepth"/>.</summary>
    public byte TunnelDepth;
    /// <summary>The outermost tunnel, <see cref="TunnelKind.None"/> when not tunnelled.</summary>
    public TunnelKind OuterTunnelKind;
    /// <summary>Source address of the IP packet that carries the outermost tunnel (its endpoint); default when not tunnelled.</summary>
    public IpAddress128 OuterSource;
    /// <summary>Destination address of the IP packet that carries the outermost tunnel.</summary>
    public IpAddress128 OuterDestination;
    /// <summary>The captured frame's first VLAN id when the segment was tunnelled (<see cref="Vlan"/> then describes the inner frame).</summary>
    public ushort OuterVlan;

    public TcpOptionsSeen Options;
    public ushort Mss;
    public byte WindowScale;
    public uint TimestampValue;
    public uint TimestampEcho;
    /// <summary>The reason code of an MP_TCPRST option (RFC 8684 §3.6), when <see cref="Options"/> has <see cref="TcpOptionsSeen.MptcpReset"/>.</summary>
    public byte MptcpResetReason;
    /// <summary>A RST's diagnostic payload (draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1), when it carried a valid one.</summary>
    public RstDiagnosticPayload RstDiagnostic;

    public readonly bool Has(TcpFlags flag) => (Flags & flag) != 0;
    public readonly bool IsIPv6 => IpVersion == 6;
    public readonly bool IsTunnelled => TunnelDepth != 0;
}
