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
    private LeavingInfo _leaving;

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

        _leavingSlot = slot;
        _leaving = new LeavingInfo { Reason = reason, Time = when, History = history, ConnState = connState, Prior = prior, Next = next };
        try
        {
            _sink.Add(new ConnectionRecord(this, 0, in roles, history, connState, c.LastTime, reason, when));
        }
        finally
        {
            _leavingSlot = NoSlot;
            _leaving = default;
        }
    }

    private readonly ConnectionPark _park = new();

    /// <summary>The slot of the connection leaving now, for a sink that copies it (valid only during the sink's call).</summary>
    internal ref Connection LeavingSlot => ref LeavingConnection();

    /// <summary>What the connection leaving now was decided to be, for a sink that copies it.</summary>
    internal ref readonly LeavingInfo Leaving => ref _leaving;

    /// <summary>Connections parked by a stage that holds them, and not yet taken back.</summary>
    public int ParkedConnections => _park.Count;

    // The record's source is the connection leaving now; the handle is not used.
    string ILeavingConnections.UidOf(int handle)
    {
        if (_leaving.Summary is not null)
            return _leaving.Summary.Uid;
        ref Connection c = ref LeavingConnection();
        return _leaving.Uid ??= ConnectionUid.Create(in c.Key, c.StartTime, c.Ordinal);
    }

    ConnectionSummary ILeavingConnections.SummaryOf(int handle) =>
        _leaving.Summary ??= BuildSummary(ref LeavingConnection(), in _leaving);

    DeferredSummary ILeavingConnections.Defer(int handle) =>
        _leaving.Summary is { } summary ? new DeferredSummary(summary) : _park.Park(ref LeavingConnection(), in _leaving);

    internal static ConnectionSummary BuildSummary(ref Connection c, in LeavingInfo leaving)
    {
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
            History = leaving.History,
            ConnState = leaving.ConnState,
            MissedBytes = c.MissedBytes,
            Vlan = c.Vlan,
            InnerVlan = c.InnerVlan,
            IpVersion = c.IpVersion,
            Removal = leaving.Reason,
            RemovalTime = leaving.Time,
            RolesFlipped = !c.OriginatorIsA,
            FirstRstTime = c.FirstRstTime,
            LastPacketBeforeRstTime = c.LastPacketBeforeRstTime,
            LongestIdleGap = c.LongestIdleGap,
            LongestIdleGapEnd = c.LongestIdleGapEnd,
            FirstRstFromOriginator = c.FirstRstTime != 0 && c.FirstRstFromA == c.OriginatorIsA,
            PreviousOnTuple = leaving.Prior,
            NextOnTuple = leaving.Next,
            Tunnel = c.TunnelKind == TunnelKind.None ? null : new TunnelRecord(c.TunnelKind, c.TunnelDepth,
                c.OriginatorIsA ? c.OuterAddressA : c.OuterAddressB, c.OriginatorIsA ? c.OuterAddressB : c.OuterAddressA),
        };
        if (leaving.Uid is not null)
            summary.AdoptUid(leaving.Uid);
        return summary;
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
