using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>A connection leaving the table: its record handed to the sink, and its summary built when the sink asks.</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- output

    /// <summary>The reusing SYN comes from the host that sent this connection's SYN, with the same ISN.</summary>
    private static bool SameIsn(ref Connection c, in TcpSegment syn)
    {
        bool fromA = syn.SourceAddress == c.AddressA && syn.SourcePort == c.PortA;
        ref TcpEndpoint sender = ref fromA ? ref c.A : ref c.B;
        return sender.SynCount > 0 && sender.SynSeq == syn.SequenceNumber && (syn.Flags & TcpFlags.Ack) == 0;
    }

    // The connection leaving the table while its record is with the sink: enough to build its summary
    // from the slot, which stays intact until the sink returns.
    private int _leavingSlot = NoSlot;
    private RemovalReason _leavingReason;
    private long _leavingTime;
    private string _leavingHistory = "", _leavingConnState = "";
    private PriorConnection? _leavingPrior;
    private NextOnTuple? _leavingNext;
    private string? _leavingUid;
    private ConnectionSummary? _leavingSummary;

    private void Emit(int slot, ref Connection c, RemovalReason reason, long when, bool remember, NextOnTuple? next = null)
    {
        _priorBySlot.Remove(slot, out PriorConnection? prior);
        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        string history = _historyTexts.For(in c.History, c.HistoryLength);
        string connState = ConnStateRules.Decide(orig.State, resp.State, orig.Size(resp.State), resp.Size(orig.State), history);
        ReadOnlySpan<byte> letters = c.History;
        var roles = new ConnectionRoles(
            HistoryLetters.Read(letters[..c.HistoryLength]),
            PartyCounters.Of(ref orig, c.OriginatorIsA ? c.AddressA : c.AddressB, c.OriginatorIsA ? c.PortA : c.PortB),
            PartyCounters.Of(ref resp, c.OriginatorIsA ? c.AddressB : c.AddressA, c.OriginatorIsA ? c.PortB : c.PortA),
            c.StartTime, c.FirstRstTime, c.FirstRstTime != 0 && c.FirstRstFromA == c.OriginatorIsA, c.IpVersion);
        if (remember)
            Remember(ref c, connState, reason);

        (_leavingSlot, _leavingReason, _leavingTime, _leavingHistory, _leavingConnState) = (slot, reason, when, history, connState);
        (_leavingPrior, _leavingNext) = (prior, next);
        try
        {
            _sink.Add(new ConnectionRecord(this, in roles, history, connState, c.LastTime, reason, when));
        }
        finally
        {
            _leavingSlot = NoSlot;
            (_leavingPrior, _leavingNext, _leavingUid, _leavingSummary) = (null, null, null, null);
        }
    }

    /// <summary>The uid of the connection whose record the sink holds.</summary>
    internal string UidOfLeaving()
    {
        if (_leavingSummary is not null)
            return _leavingSummary.Uid;
        ref Connection c = ref LeavingConnection();
        return _leavingUid ??= ConnectionUid.Create(in c.Key, c.StartTime, c.Ordinal);
    }

    /// <summary>The full summary of the connection whose record the sink holds, built once.</summary>
    internal ConnectionSummary SummaryOfLeaving()
    {
        if (_leavingSummary is not null)
            return _leavingSummary;
        ref Connection c = ref LeavingConnection();
        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        var summary = new ConnectionSummary
        {
            UidKey = c.Key,
            Ordinal = c.Ordinal,
            StartTime = c.StartTime,
            LastTime = c.LastTime,
            FirstSegment = c.FirstSegment,
            LastSegment = c.LastSegment,
            Originator = Summarize(ref orig, orig.Size(resp.State), c.OriginatorIsA ? c.AddressA : c.AddressB, c.OriginatorIsA ? c.PortA : c.PortB),
            Responder = Summarize(ref resp, resp.Size(orig.State), c.OriginatorIsA ? c.AddressB : c.AddressA, c.OriginatorIsA ? c.PortB : c.PortA),
            History = _leavingHistory,
            ConnState = _leavingConnState,
            MissedBytes = c.MissedBytes,
            Vlan = c.Vlan,
            InnerVlan = c.InnerVlan,
            IpVersion = c.IpVersion,
            Removal = _leavingReason,
            RemovalTime = _leavingTime,
            RolesFlipped = !c.OriginatorIsA,
            FirstRstTime = c.FirstRstTime,
            LastPacketBeforeRstTime = c.LastPacketBeforeRstTime,
            LongestIdleGap = c.LongestIdleGap,
            LongestIdleGapEnd = c.LongestIdleGapEnd,
            FirstRstFromOriginator = c.FirstRstTime != 0 && c.FirstRstFromA == c.OriginatorIsA,
            PreviousOnTuple = _leavingPrior,
            NextOnTuple = _leavingNext,
            Tunnel = c.TunnelKind == TunnelKind.None ? null : new TunnelRecord(c.TunnelKind, c.TunnelDepth,
                c.OriginatorIsA ? c.OuterAddressA : c.OuterAddressB, c.OriginatorIsA ? c.OuterAddressB : c.OuterAddressA),
        };
        if (_leavingUid is not null)
            summary.AdoptUid(_leavingUid);
        return _leavingSummary = summary;
    }

    private ref Connection LeavingConnection()
    {
        if (_leavingSlot == NoSlot)
            throw new InvalidOperationException("A connection record is valid only during the call that receives it.");
        return ref Slot(_leavingSlot);
    }

    /// <summary>Keeps the first tunnel a connection was seen in; a connection that moves between tunnels keeps its first.</summary>
    private static void RecordTunnel(ref Connection c, in TcpSegment s, bool fromA)
    {
        c.TunnelKind = s.OuterTunnelKind;
        c.TunnelDepth = s.TunnelDepth;
        c.OuterAddressA = fromA ? s.OuterSource : s.OuterDestination;
        c.OuterAddressB = fromA ? s.OuterDestination : s.OuterSource;
    }

    private static EndpointSummary Summarize(ref TcpEndpoint e, ulong size, IpAddress128 address, ushort port)
    {
        byte[] firstPayload = e.FirstPayloadLength == 0 ? [] : new byte[e.FirstPayloadLength];
        for (int i = 0; i < firstPayload.Length; i++)
            firstPayload[i] = (byte)(e.FirstPayload >> (24 - 8 * i));
        return new EndpointSummary
        {
            Address = address,
            Port = port,
            State = e.State,
            PreviousState = e.PreviousState,
            Size = size,
            Packets = e.Packets,
            IpBytes = e.IpBytes,
            PacketsSent = e.PacketsSent,
            DataPackets = e.DataPackets,
            PayloadBytes = e.PayloadBytes,
            SynCount = e.SynCount,
            FinCount = e.FinCount,
            RstCount = e.RstCount,
            FirstPacketTime = e.FirstPacketTime,
            LastPacketTime = e.LastPacketTime,
            LastDataTime = e.LastDataTime,
            FirstFinTime = e.FirstFinTime,
            FirstRstTime = e.FirstRstTime,
            PacketsAfterPeerRst = e.PacketsAfterPeerRst,
            PacketsAfterOwnRst = e.PacketsAfterOwnRst,
            TtlFirst = e.TtlFirst,
            TtlLast = e.TtlLast,
            TtlMin = e.PacketsSent == 0 ? (byte)0 : e.TtlMin,
            TtlMax = e.TtlMax,
            IpIdFirst = e.IpIdFirst,
            IpIdLast = e.IpIdLast,
            IpIdMin = e.PacketsSent == 0 ? (ushort)0 : e.IpIdMin,
            IpIdMax = e.IpIdMax,
            HasTimestamps = e.HasTimestamps,
            TsValFirst = e.TsValFirst,
            TsValLast = e.TsValLast,
            LastRawSeq = e.LastRawSeq,
            LastRawAck = e.LastRawAck,
            KeepAlives = e.KeepAlives,
            Retransmissions = e.RetransmitCount,
            ZeroWindows = e.ZeroWindowCount,
            RstTtl = e.RstTtl,
            RstIpId = e.RstIpId,
            RstSeq = e.RstSeq,
            RstAck = e.RstAck,
            RstHadAck = e.RstHadAck,
            RstPayloadLength = e.RstPayloadLength,
            RstSeqMatchedExpected = e.RstSeqMatchedExpected,
            FirstPayload = firstPayload,
            Mss = e.Mss,
            NextSeq = e.NextRawSeq,
            TtlMinBeforeRst = e.TtlMaxBeforeRst == 0 ? (byte)0 : e.TtlMinBeforeRst,
            TtlMaxBeforeRst = e.TtlMaxBeforeRst,
            IpIdBeforeRst = e.IpIdBeforeRst,
            UnansweredKeepAlives = e.UnansweredKeepAlives,
            SynSeq = e.SynSeq,
            FirstDataLength = e.FirstDataLength,
            FirstDataUncaptured = e.FirstDataUncaptured,
            RstReservedBits = e.RstReservedBits,
            RstMptcpReason = e.RstMptcpReason >= 0 ? e.RstMptcpReason : null,
            RstDiagnostic = e.RstDiagnostic.IsPresent ? e.RstDiagnostic : null,
            TtlMinAfterRst = e.TtlMaxAfterRst == 0 ? (byte)0 : e.TtlMinAfterRst,
            TtlMaxAfterRst = e.TtlMaxAfterRst,
            IpIdAfterRst = e.IpIdAfterRst,
            FirstPacketAfterRstTime = e.FirstPacketAfterRstTime,
        };
    }
}
