using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>What one endpoint did, as seen in the capture: Zeek's counters plus the evidence the diagnosis reads.</summary>
public sealed class EndpointSummary
{
    public required IpAddress128 Address { get; init; }
    public required ushort Port { get; init; }
    public required EndpointState State { get; init; }
    public required EndpointState PreviousState { get; init; }
    /// <summary>Zeek's orig_bytes/resp_bytes: sequence-space size (TCP_Endpoint::Size).</summary>
    public required ulong Size { get; init; }
    /// <summary>Zeek's orig_pkts/resp_pkts (ConnSize analyzer).</summary>
    public required ulong Packets { get; init; }
    /// <summary>Zeek's orig_ip_bytes/resp_ip_bytes.</summary>
    public required ulong IpBytes { get; init; }

    public required ulong PacketsSent { get; init; }
    public required ulong DataPackets { get; init; }
    public required ulong PayloadBytes { get; init; }
    public required int SynCount { get; init; }
    public required int FinCount { get; init; }
    public required int RstCount { get; init; }
    public required long FirstPacketTime { get; init; }
    public required long LastPacketTime { get; init; }
    public required long LastDataTime { get; init; }
    public required long FirstFinTime { get; init; }
    public required long FirstRstTime { get; init; }
    public required ulong PacketsAfterPeerRst { get; init; }
    public required ulong PacketsAfterOwnRst { get; init; }
    public required byte TtlFirst { get; init; }
    public required byte TtlLast { get; init; }
    public required byte TtlMin { get; init; }
    public required byte TtlMax { get; init; }
    public required ushort IpIdFirst { get; init; }
    public required ushort IpIdLast { get; init; }
    public required ushort IpIdMin { get; init; }
    public required ushort IpIdMax { get; init; }
    public required bool HasTimestamps { get; init; }
    public required uint TsValFirst { get; init; }
    public required uint TsValLast { get; init; }
    public required uint LastRawSeq { get; init; }
    public required uint LastRawAck { get; init; }
    public required int KeepAlives { get; init; }
    public required uint Retransmissions { get; init; }
    public required uint ZeroWindows { get; init; }
    public required byte RstTtl { get; init; }
    public required ushort RstIpId { get; init; }
    public required uint RstSeq { get; init; }
    public required uint RstAck { get; init; }
    public required bool RstHadAck { get; init; }
    public required int RstPayloadLength { get; init; }
    public required bool RstSeqMatchedExpected { get; init; }
    /// <summary>Up to the first 4 payload bytes this endpoint sent (e.g. 0x81 NetBIOS session request, 0x00 direct SMB).</summary>
    public required byte[] FirstPayload { get; init; }
    public required ushort Mss { get; init; }

    // Evidence for the reset diagnosis (not required, so code that builds summaries by hand keeps compiling).

    /// <summary>SND.NXT as observed: one past the highest sequence number this endpoint sent (RSTs excluded).</summary>
    public uint NextSeq { get; init; }
    /// <summary>Lowest TTL of this endpoint's packets before its first RST (0 when it sent none before it).</summary>
    public byte TtlMinBeforeRst { get; init; }
    /// <summary>Highest TTL of this endpoint's packets before its first RST (0 when it sent none before it).</summary>
    public byte TtlMaxBeforeRst { get; init; }
    /// <summary>IP-ID of this endpoint's last packet before its first RST.</summary>
    public ushort IpIdBeforeRst { get; init; }
    /// <summary>Keep-alives this endpoint sent after the peer's last packet: probes nobody answered.</summary>
    public int UnansweredKeepAlives { get; init; }
    /// <summary>Sequence number of this endpoint's first SYN or SYN-ACK (its ISN); 0 when it sent none.</summary>
    public uint SynSeq { get; init; }
    /// <summary>Payload length of its first data segment, from the IP lengths (captured or not).</summary>
    public int FirstDataLength { get; init; }
    /// <summary>Its first data segment's payload was not captured (snaplen or a headers-only capture), so <see cref="FirstPayload"/> is empty.</summary>
    public bool FirstDataUncaptured { get; init; }
    /// <summary>The reserved TCP header bits of its first RST (RFC 9293 §3.1: sent as zero by conforming stacks).</summary>
    public byte RstReservedBits { get; init; }
    /// <summary>The MP_TCPRST reason its first RST carried (RFC 8684 §3.6), or null.</summary>
    public int? RstMptcpReason { get; init; }
    /// <summary>The diagnostic payload one of its RSTs carried (draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1), or null.</summary>
    public RstDiagnosticPayload? RstDiagnostic { get; init; }
    /// <summary>Lowest and highest TTL of its non-RST packets after its first RST (0 when it sent none).</summary>
    public byte TtlMinAfterRst { get; init; }
    public byte TtlMaxAfterRst { get; init; }
    /// <summary>IP-ID of its first non-RST packet after its first RST.</summary>
    public ushort IpIdAfterRst { get; init; }
    /// <summary>When it sent its first non-RST packet after its first RST (0 when it sent none).</summary>
    public long FirstPacketAfterRstTime { get; init; }
}

/// <summary>The SYN that reused a connection's 5-tuple while the connection was still in the table.</summary>
/// <param name="Uid">The uid of the connection that SYN started.</param>
/// <param name="SynTime">When that SYN was seen (ns).</param>
/// <param name="SameIsn">The SYN came from this connection's SYN sender with the same ISN: a retransmission of its SYN, not a new connect.</param>
public sealed record NextOnTuple(string Uid, long SynTime, bool SameIsn);

/// <summary>Why a connection left the connection table.</summary>
public enum RemovalReason
{
    /// <summary>Zeek's close delay after a complete close (FIN/FIN, or a RST).</summary>
    Closed,
    /// <summary>Zeek's attempt timer: a SYN that nothing answered within 5 s.</summary>
    AttemptTimeout,
    /// <summary>Zeek's expire timer: half-closed or one-sided connections gone idle.</summary>
    Expired,
    /// <summary>Zeek's inactivity timeout (300 s once under way, 60 s before).</summary>
    Inactive,
    /// <summary>A new SYN on the same 5-tuple started a new connection.</summary>
    Reused,
    /// <summary>The end of the input.</summary>
    EndOfInput,
    /// <summary>Pushed out by the connection-table cap.</summary>
    Evicted,
}

/// <summary>
/// A finished connection with Zeek-compatible fields (conn.log) and the evidence behind them.
/// One object per connection, created when it leaves the table.
/// </summary>
public sealed class ConnectionSummary
{
    private string? _uid;
    private readonly ConnectionKey _uidKey;

    /// <summary>
    /// Zeek-style uid. The tracker gives the tuple it is derived from and the string is made on first
    /// use: most connections of a flood or a scan are counted and never named.
    /// </summary>
    public string Uid
    {
        get => _uid ??= ConnectionUid.Create(in _uidKey, StartTime, Ordinal);
        init => _uid = value;
    }

    /// <summary>Takes the uid already made for this connection, so that it is made once.</summary>
    internal void AdoptUid(string uid) => _uid ??= uid;

    /// <summary>The table key the uid is derived from (with <see cref="StartTime"/> and <see cref="Ordinal"/>).</summary>
    internal ConnectionKey UidKey { init => _uidKey = value; }

    public required long Ordinal { get; init; }
    /// <summary>Time of the connection's first packet, ns since the Unix epoch.</summary>
    public required long StartTime { get; init; }
    /// <summary>Zeek's last_time: stops advancing once both sides closed.</summary>
    public required long LastTime { get; init; }

    /// <summary>
    /// The place of its first and last TCP segment among all segments the tracker was given (1-based; 0 for a
    /// summary not made by the tracker): file order, which holds when timestamps go backwards.
    /// </summary>
    public long FirstSegment { get; init; }

    /// <inheritdoc cref="FirstSegment"/>
    public long LastSegment { get; init; }
    public long DurationNanos => LastTime - StartTime;
    public required EndpointSummary Originator { get; init; }
    public required EndpointSummary Responder { get; init; }
    public required string History { get; init; }
    public required string ConnState { get; init; }
    public required ulong MissedBytes { get; init; }
    public required ushort Vlan { get; init; }
    public required ushort InnerVlan { get; init; }
    public required byte IpVersion { get; init; }
    public required RemovalReason Removal { get; init; }
    public required long RemovalTime { get; init; }
    /// <summary>True when the originator is not the host that sent the first packet (a role flip).</summary>
    public required bool RolesFlipped { get; init; }
    public required long FirstRstTime { get; init; }
    public required long LastPacketBeforeRstTime { get; init; }
    public required long LongestIdleGap { get; init; }
    public required long LongestIdleGapEnd { get; init; }
    public required bool FirstRstFromOriginator { get; init; }
    /// <summary>The connection that used this 5-tuple before and left the table by a timer, if remembered.</summary>
    public PriorConnection? PreviousOnTuple { get; init; }
    /// <summary>When a SYN reused the 5-tuple while this connection was in the table (<see cref="RemovalReason.Reused"/>): the connection it started.</summary>
    public NextOnTuple? NextOnTuple { get; init; }

    /// <summary>The tunnel the connection was carried in; null for a plain connection.</summary>
    public TunnelRecord? Tunnel { get; init; }

    public bool SawRst => Originator.RstCount > 0 || Responder.RstCount > 0;
}
