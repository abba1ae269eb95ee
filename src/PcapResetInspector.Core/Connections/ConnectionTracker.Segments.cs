using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>Each segment through the TCP analyzer, in the order of Zeek's TCPSessionAdapter::DeliverPacket.</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- per-packet processing

    private static ref TcpEndpoint Orig(ref Connection c) => ref c.OriginatorIsA ? ref c.A : ref c.B;
    private static ref TcpEndpoint Resp(ref Connection c) => ref c.OriginatorIsA ? ref c.B : ref c.A;

    /// <summary>TCPSessionAdapter::IsReuse (zeek-conn-semantics §5): may this SYN start a new connection?</summary>
    private static bool IsReuse(ref Connection c, in TcpSegment s)
    {
        if ((s.Flags & TcpFlags.Syn) == 0)
            return false;
        bool connOrigIsA = c.OriginatorIsA;
        if ((s.Flags & TcpFlags.Ack) != 0)
        {
            if (Orig(ref c).State != EndpointState.Inactive)
                return false; // not a half connection
            connOrigIsA = !connOrigIsA;
        }
        ref TcpEndpoint connOrig = ref connOrigIsA ? ref c.A : ref c.B;

        bool closed = c.A.DidClose || c.B.DidClose;
        if (!closed)
        {
            if (s.SequenceNumber == connOrig.StartSeq)
                return false; // a retransmitted SYN
            ref TcpEndpoint resp = ref Resp(ref c);
            if ((s.Flags & TcpFlags.Ack) == 0 && connOrig.State == EndpointState.SynAckSent &&
                resp.State == EndpointState.Inactive && s.SequenceNumber == resp.StartSeq)
                return false; // the SYN of a SYN-ACK captured first; the state machine flips the roles
        }
        return true;
    }

    private void ProcessPacket(ref Connection c, in TcpSegment s, ReadOnlySpan<byte> frame)
    {
        long t = s.TimestampNanos;
        bool fromA = s.SourceAddress == c.AddressA && s.SourcePort == c.PortA;
        ref TcpEndpoint ep = ref fromA ? ref c.A : ref c.B;
        ref TcpEndpoint peer = ref fromA ? ref c.B : ref c.A;
        bool isOrig = fromA == c.OriginatorIsA; // as looked up; Zeek keeps this value for the whole packet

        ep.PacketsSent++;
        if (s.TunnelDepth != 0 && c.TunnelKind == TunnelKind.None)
            RecordTunnel(ref c, in s, fromA);
        if (_options.VerifyChecksums && TcpChecksum.Verify(frame, in s) == TcpChecksumResult.Invalid)
        {
            // Zeek drops the packet after logging C/c: no state change, not counted (§2.1 step 2).
            BadChecksumPackets++;
            ScaledHistoryEntry(ref c, fromA, 'C', ref ep.ChecksumErrorCount, ref ep.ChecksumErrorThreshold);
            return;
        }

        TcpFlags flags = s.Flags;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        int len = s.PayloadLength;
        uint baseSeq = s.SequenceNumber;
        uint ackSeq = s.AcknowledgmentNumber;

        RecordEvidenceBeforeState(ref c, ref ep, ref peer, in s, fromA, frame);
        SetPartialStatus(ref c, flags, isOrig);

        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        if (rst)
            segLen -= len; // RST payload is not part of the stream
        uint seqOnePastSegment = baseSeq + (uint)segLen;

        InitEndpoint(ref ep, flags, baseSeq, seqOnePastSegment);

        ulong relSeq = RelativeSeq(ref ep, baseSeq, ep.LastSeq, ep.SeqWraps, out bool seqUnderflow);

        UpdateHistory(ref c, fromA, flags, ref ep, relSeq, len);
        UpdateWindow(ref c, fromA, ref ep, ref peer, s.Window, flags);

        if (!c.A.DidClose || !c.B.DidClose)
        {
            c.LastTime = t;
            c.TimerLastTime = Math.Max(t, _networkTime);
        }

        if (syn)
            InitWindow(ref ep, ref peer, flags, (s.Options & TcpOptionsSeen.WindowScale) != 0 ? s.WindowScale : -1);
        if (syn)
            ep.SynCount++;
        if (fin)
        {
            ep.FinCount++;
            ep.FinSeq = relSeq + (ulong)segLen;
        }
        if (rst)
            ep.RstCount++;

        ulong relAck = 0;
        if (ack)
        {
            if (peer.State == EndpointState.Inactive)
            {
                relAck = 1;
                InitPeer(ref peer, ackSeq);
            }
            else
            {
                relAck = RelativeSeq(ref peer, ackSeq, peer.AckSeq, peer.AckWraps, out bool ackUnderflow);
                if (ackUnderflow)
                    relAck = 0;
                else if (!rst)
                    UpdateAckSeq(ref peer, ackSeq); // acks in RSTs are not trusted
            }
        }

        UpdateLastSeq(ref c, fromA, ref ep, seqOnePastSegment, flags, len);

        UpdateStateMachine(ref c, ref ep, ref peer, fromA, baseSeq, len, isOrig, flags,
            out bool doClose, out bool genEvent);

        if (ack)
            AckReceived(ref c, ref peer, !fromA, relAck);

        ulong relDataSeq = syn ? relSeq + 1 : relSeq;
        // TCP_Endpoint::DataSent hands a segment to the reassembler only when its whole payload was
        // captured (caplen >= len; otherwise weird truncated_tcp_payload). A snaplen-truncated segment
        // is never delivered, so the ack that covers it reveals a content gap (G/g, missed_bytes), as
        // in Zeek's retransmit-fast009 baseline (ShADaGdgtR, missed_bytes 24257). Zeek reassembles a
        // fragmented tunnel packet before this point; its first fragment stands for the whole here.
        bool wholePayload = s.CapturedPayloadLength >= len || s.CutByOuterFragmentation;
        if (len > 0 && !rst && !seqUnderflow && wholePayload)
            DataSent(ref ep, relDataSeq, len);

        if (doClose)
            ConnectionClosed(ref c, ref ep, ref peer, genEvent);

        // TCPSessionAdapter::CheckPIA_FirstPacket marks each role's first packet after processing.
        bool origNow = fromA == c.OriginatorIsA;
        c.FirstPacketSeen |= origNow ? FirstPacketOriginator : FirstPacketResponder;

        // ConnSize counts after the TCP analyzer, and the counters follow the hosts through a flip
        // (ConnSize_Analyzer::FlipRoles). A flip during this very packet (the "H" + A/D rewrite, or
        // the SYN after its SYN-ACK) also turns the packet's is_orig before ConnSize sees it
        // (TCPAnalyzer::DeliverPacket, Zeek commit 3f02ed368a), so the packet counts for its sender.
        ep.Packets++;
        ep.IpBytes += (ulong)s.IpTotalLength;
    }
}
