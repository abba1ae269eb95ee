using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Up to four out-of-order data ranges (relative sequence numbers) held by the gap tracker.
/// Only the ranges are kept, never the bytes: enough to tell a content gap from reordering.
/// </summary>
[InlineArray(4)]
internal struct PendingRanges
{
    private SequenceRange _element0;
}

internal struct SequenceRange
{
    public ulong Start;
    public ulong End;
}

/// <summary>
/// One side of a TCP connection: Zeek's TCP_Endpoint bookkeeping (sequence space, state, history
/// thresholds, content-gap tracking) plus what the reset diagnosis needs later (TTL, IP-ID, TCP
/// timestamps, RST details). It belongs to a host, not to a role: a role flip only changes which
/// endpoint is called the originator.
/// </summary>
// Auto layout: the runtime packs the fields, which are grouped here by meaning, not by size.
[StructLayout(LayoutKind.Auto)]
internal struct TcpEndpoint
{
    // --- Zeek's endpoint state (TCP_Endpoint.h) ---
    public EndpointState State;
    public EndpointState PreviousState;
    public bool DidClose;
    public uint StartSeq;
    public uint LastSeq;
    public uint SeqWraps;
    public uint AckSeq;
    public uint AckWraps;
    public int WindowScale;
    public int SynCount;
    public int FinCount;
    public int RstCount;
    public ulong FinSeq;
    public ulong HistLastSyn;
    public ulong HistLastFin;
    public ulong HistLastRst;
    // Scaled history letters (T, W, C, G): counter and next threshold (Session.cc ScaledHistoryEntry).
    public uint RetransmitCount, RetransmitThreshold;
    public uint ZeroWindowCount, ZeroWindowThreshold;
    public uint ChecksumErrorCount, ChecksumErrorThreshold;
    public uint GapCount, GapThreshold;

    // --- content-gap tracking (a range-only model of TCP_Reassembler) ---
    public ulong ReassembledUpTo;   // last_reassem_seq: next relative seq expected in order
    public ulong TrimmedUpTo;       // trim_seq: highest relative seq acknowledged by the peer
    // Out-of-order ranges live in the tracker's pool, taken when the first one arrives and given back
    // when the last is delivered: most connections never have any, and 64 bytes in every endpoint
    // were an eighth of the connection table.
    public int PendingBlock;        // 1 + index of this endpoint's block in the pool; 0 = none
    public int PendingCount;

    // --- ConnSize analyzer counters, by the role the packet had when it was looked up ---
    public ulong Packets;
    public ulong IpBytes;

    // --- evidence for the diagnosis ---
    public long FirstPacketTime;
    public long LastPacketTime;
    public long LastDataTime;
    public long FirstFinTime;
    public long FirstRstTime;
    public ulong PacketsSent;          // every packet from this host, bad checksums included
    public ulong DataPackets;
    public ulong PayloadBytes;
    public ulong PacketsAfterPeerRst;  // packets this host sent after the peer's first RST
    public ulong PacketsAfterOwnRst;   // packets this host sent after its own first RST
    public byte TtlFirst, TtlLast, TtlMin, TtlMax;
    public ushort IpIdFirst, IpIdLast, IpIdMin, IpIdMax;
    public bool HasTimestamps;
    public uint TsValFirst, TsValLast;
    public uint LastRawSeq, LastRawAck;
    public uint NextRawSeq;            // highest seq + length seen (SND.NXT as observed)
    public int KeepAlives;
    public byte RstTtl;
    public ushort RstIpId;
    public uint RstSeq, RstAck;
    public bool RstHadAck;
    public int RstPayloadLength;
    public bool RstSeqMatchedExpected; // RST seq equal to what the peer last acknowledged
    public int FirstPayloadLength;     // how many of FirstPayload's bytes are valid
    public int FirstDataLength;        // payload length of the first data segment, from the IP lengths
    public bool FirstDataUncaptured;   // the first data segment's payload was sliced off (snaplen, headers-only capture)
    public uint SynSeq;                // ISN of this host's first SYN
    public byte RstReservedBits;       // reserved TCP bits of its first RST
    public short RstMptcpReason;       // MP_TCPRST reason of its first RST (RFC 8684 §3.6); -1 when it carried none
    public RstDiagnosticPayload RstDiagnostic; // the first diagnostic payload any of its RSTs carried (draft-ietf-tcpm-rst-diagnostic-payload)
    // Its packets after its own first RST (not RSTs): a genuine sender has none; an injector's victim carries on.
    public byte TtlMinAfterRst, TtlMaxAfterRst;
    public ushort IpIdAfterRst;        // IP-ID of its first non-RST packet after its first RST
    public long FirstPacketAfterRstTime;
    public uint FirstPayload;          // the first 4 payload bytes, big-endian
    public ushort Mss;
    public bool SackPermitted;
    // What this host's packets looked like before its first RST, so the RST can be compared with them.
    public byte TtlMinBeforeRst, TtlMaxBeforeRst;
    public ushort IpIdBeforeRst;       // IP-ID of its last packet before its first RST
    public int UnansweredKeepAlives;   // keep-alives sent since the peer last sent anything

    public void Initialize()
    {
        this = default;
        RetransmitThreshold = ZeroWindowThreshold = ChecksumErrorThreshold = GapThreshold = 1;
        ReassembledUpTo = 1;
        TtlMin = byte.MaxValue;
        IpIdMin = ushort.MaxValue;
        TtlMinBeforeRst = byte.MaxValue;
        TtlMinAfterRst = byte.MaxValue;
        RstMptcpReason = -1;
    }

    public void SetState(EndpointState newState)
    {
        if (newState == State)
            return;
        PreviousState = State;
        State = newState;
    }

    // Sequence-space helpers (TCP_Endpoint.h): 64-bit values built from the 32-bit number and a wrap count.
    public readonly ulong ToFullSeqSpace(uint seq, uint wraps) => ((ulong)wraps << 32) | seq;
    public readonly ulong ToRelativeSeqSpace(uint seq, uint wraps) => ToFullSeqSpace(seq, wraps) - StartSeq;

    public void InitStartSeq(uint seq) => StartSeq = seq;
    public void InitLastSeq(uint seq) => LastSeq = seq;
    public void InitAckSeq(uint seq) => AckSeq = seq;

    public void UpdateLastSeq(uint seq)
    {
        if (seq < LastSeq)
            ++SeqWraps;
        LastSeq = seq;
    }

    public void UpdateAckSeq(uint seq)
    {
        if (seq < AckSeq)
            ++AckWraps;
        AckSeq = seq;
    }

    public readonly bool NoDataAcked()
    {
        ulong ack = ToFullSeqSpace(AckSeq, AckWraps);
        return ack == StartSeq || ack == (ulong)StartSeq + 1;
    }

    /// <summary>Zeek's TCP_Endpoint::Size(): the sequence-space extent, without the SYN and FIN octets.</summary>
    public readonly ulong Size(EndpointState peerState)
    {
        if (PreviousState == EndpointState.SynSent && State == EndpointState.Reset &&
            peerState == EndpointState.Inactive && !NoDataAcked())
            return 0; // a half-open connection found and aborted: its numbers say nothing about data

        ulong last = ToFullSeqSpace(LastSeq, SeqWraps);
        ulong ack = ToFullSeqSpace(AckSeq, AckWraps);
        ulong size = (last > ack ? last : ack) - StartSeq;
        if (size != 0)
            --size;
        if (FinCount > 0 && size != 0)
            --size;
        return size;
    }

    /// <summary>Evidence kept for every packet this host sends.</summary>
    public void RecordIpFields(byte ttl, ushort ipId)
    {
        // PacketsSent already counts this packet.
        if (PacketsSent <= 1)
        {
            TtlFirst = ttl;
            IpIdFirst = ipId;
        }
        TtlLast = ttl;
        IpIdLast = ipId;
        if (ttl < TtlMin) TtlMin = ttl;
        if (ttl > TtlMax) TtlMax = ttl;
        if (ipId < IpIdMin) IpIdMin = ipId;
        if (ipId > IpIdMax) IpIdMax = ipId;
    }
}
