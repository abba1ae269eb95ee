using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The signs a RST carries about its origin, measured once per connection: how long things were
/// quiet before it, whether it matches its purported sender's TTL and IP-ID, whether that sender
/// carried on after it, whether it is the stateless reply of RFC 9293 §3.10.7.1.
/// </summary>
internal sealed class ResetSigns
{
    /// <summary>A RST this soon after the end of a quiet period answers the first packet after it (or is that packet).</summary>
    internal const long ResponseAllowanceNanos = 2_000_000_000;

    public ResetSigns(ConnectionFacts facts, DiagnosisOptions options)
    {
        ConnectionSummary c = facts.Summary;
        EndpointSummary resetter = facts.Resetter!;
        EndpointSummary peer = facts.Peer!;
        long rstTime = c.FirstRstTime;
        PriorConnection? prior = c.PreviousOnTuple;

        // Quiet before the RST: within the connection, or since the earlier connection on the tuple
        // when this one began mid-stream (Zeek split it off after its inactivity timeout).
        if (c.LongestIdleGapEnd != 0 && c.LongestIdleGapEnd <= rstTime && rstTime - c.LongestIdleGapEnd <= ResponseAllowanceNanos)
            QuietBeforeReset = c.LongestIdleGap;
        if (prior is not null && !facts.ClientSentSyn && !facts.ServerAnsweredSyn && rstTime - c.StartTime <= ResponseAllowanceNanos)
        {
            long sincePrior = c.StartTime - prior.LastActivityTime;
            if (sincePrior > QuietBeforeReset)
            {
                QuietBeforeReset = sincePrior;
                QuietSincePrior = true;
            }
        }

        // The resetter's own packets before its RST are the reference; failing those, the earlier
        // connection's last packet from the same host.
        PacketsBeforeRst = (long)resetter.PacketsSent - (long)resetter.PacketsAfterOwnRst - 1;
        if (PacketsBeforeRst > 0 && resetter.TtlMaxBeforeRst != 0)
        {
            HasTtlReference = true;
            ReferenceTtlMin = resetter.TtlMinBeforeRst;
            ReferenceTtlMax = resetter.TtlMaxBeforeRst;
            HasIpIdReference = c.IpVersion == 4;
            ReferenceIpId = resetter.IpIdBeforeRst;
        }
        else if (prior is not null)
        {
            bool resetterWasPriorOriginator = prior.OriginatorAddress == resetter.Address && prior.OriginatorPort == resetter.Port;
            byte ttl = resetterWasPriorOriginator ? prior.OriginatorTtl : prior.ResponderTtl;
            if (ttl != 0)
            {
                HasTtlReference = true;
                ReferenceFromPrior = true;
                ReferenceTtlMin = ReferenceTtlMax = ttl;
                HasIpIdReference = c.IpVersion == 4;
                ReferenceIpId = resetterWasPriorOriginator ? prior.OriginatorIpId : prior.ResponderIpId;
            }
        }
        else if (resetter.TtlMaxAfterRst != 0)
        {
            // Nothing before the RST (it answered a SYN): the sender's own later packets are the reference.
            HasTtlReference = true;
            ReferenceAfterRst = true;
            ReferenceTtlMin = resetter.TtlMinAfterRst;
            ReferenceTtlMax = resetter.TtlMaxAfterRst;
        }
        TtlMismatch = HasTtlReference &&
                      (resetter.RstTtl + options.TtlTolerance < ReferenceTtlMin || resetter.RstTtl > ReferenceTtlMax + options.TtlTolerance);
        if (HasIpIdReference && !(ReferenceIpId == 0 && resetter.RstIpId == 0))
        {
            int step = (ushort)(resetter.RstIpId - ReferenceIpId);
            IpIdJump = step > options.IpIdContinuationWindow; // 0 (a counter that did not move) says nothing
        }

        // A genuine sender has no connection left after its RST: nothing more should come from it but further RSTs.
        NonRstPacketsAfterOwnRst = Math.Max(0, (long)resetter.PacketsAfterOwnRst - (resetter.RstCount - 1));
        DataAfterOwnRst = resetter.DataPackets > 0 && resetter.LastDataTime > rstTime;
        // Blind injectors spray RSTs across the window; a stack that already sent its FIN answers each
        // late segment with its own RST (RFC 9293 §3.10.7.1), so differing sequence numbers after a FIN are no sign.
        bool finBeforeRst = resetter.FirstFinTime != 0 && resetter.FirstFinTime <= resetter.FirstRstTime;
        SteppedRsts = facts.ResetterRstLetters >= 2 && resetter.RstCount >= 2 && !finBeforeRst;

        // Marks of a RST no conforming stack sends (Weaver, Sommer and Paxson, "Detecting Forged TCP Reset
        // Packets", NDSS 2009): reserved bits set (RFC 9293 §3.1 says send zero), the IP-ID of the packet it
        // answers copied into it, and a RST,ACK answering a SYN with ack = ISN where a stack acks ISN+1 (§3.10.7.1).
        ReservedBitsSet = resetter.RstReservedBits != 0;
        IpIdCopied = c.IpVersion == 4 && resetter.RstIpId != 0 && peer.PacketsSent > 0 && resetter.RstIpId == peer.IpIdFirst &&
                     peer.FirstPacketTime < rstTime;
        AckIsBareIsn = resetter.RstHadAck && PacketsBeforeRst == 0 && peer.SynCount > 0 && resetter.RstAck == peer.SynSeq;
        ForgeryMarks = (ReservedBitsSet ? 1 : 0) + (IpIdCopied ? 1 : 0) + (AckIsBareIsn ? 1 : 0);
        // The purported sender answered the SYN properly after its "refusal": the RST was not its own.
        SynAckAfterRst = !facts.ResetterIsClient && facts.ServerSentSynAck && !facts.ServerAnsweredSyn;

        long otherRst = facts.Summary.FirstRstFromOriginator ? c.Responder.FirstRstTime : c.Originator.FirstRstTime;
        if (otherRst != 0)
        {
            BothSidesResetApart = Math.Abs(otherRst - rstTime);
            BothSidesReset = BothSidesResetApart <= DiagnosisOptions.Nanos(options.SimultaneousResetTolerance);
        }

        // RFC 9293 §3.10.7.1: a stack with no connection answers a segment that had an ACK with
        // <SEQ=SEG.ACK><CTL=RST>, a bare RST whose seq is what the peer acknowledged.
        StatelessReply = !resetter.RstHadAck && resetter.RstSeqMatchedExpected;
        // Active close by the stack that owns the connection: <SEQ=SND.NXT> with ACK (§3.10.4).
        RstAtSendNext = resetter.RstSeq == resetter.NextSeq;
        AnswersPeerData = peer.DataPackets > 0 &&
                          (peer.LastDataTime == c.LastPacketBeforeRstTime || (peer.LastDataTime > rstTime && peer.PacketsAfterPeerRst > 0));
        // A keep-alive probing a peer that lost the connection draws the same stateless RST (its purpose, RFC 9293 §3.8.4).
        AnswersPeerKeepAlive = !AnswersPeerData && peer.KeepAlives > 0 && peer.LastPacketTime == c.LastPacketBeforeRstTime &&
                               peer.LastDataTime < peer.LastPacketTime;
        long answered = AnswersPeerData ? peer.LastDataTime : AnswersPeerKeepAlive ? peer.LastPacketTime : 0;
        if (answered != 0 && c.LongestIdleGapEnd == answered)
            QuietBeforePeerData = c.LongestIdleGap;
        else if (answered != 0 && QuietSincePrior)
            QuietBeforePeerData = QuietBeforeReset;
    }

    public long QuietBeforeReset { get; }
    public bool QuietSincePrior { get; }
    /// <summary>Quiet before the peer's data (or keep-alive) that the RST answers.</summary>
    public long QuietBeforePeerData { get; }
    public long PacketsBeforeRst { get; }
    public bool HasTtlReference { get; }
    public bool ReferenceFromPrior { get; }
    /// <summary>The TTL reference is the sender's packets after its RST (it had sent nothing before it).</summary>
    public bool ReferenceAfterRst { get; }
    public bool ReservedBitsSet { get; }
    public bool IpIdCopied { get; }
    public bool AckIsBareIsn { get; }
    /// <summary>How many marks of a forged RST it carries (reserved bits, copied IP-ID, ack = ISN).</summary>
    public int ForgeryMarks { get; }
    public bool SynAckAfterRst { get; }
    /// <summary>The purported sender sent anything but RSTs after its RST: a genuine sender has no connection left.</summary>
    public bool SenderCarriedOn => NonRstPacketsAfterOwnRst > 0;
    public byte ReferenceTtlMin { get; }
    public byte ReferenceTtlMax { get; }
    public bool TtlMismatch { get; }
    public bool HasIpIdReference { get; }
    public ushort ReferenceIpId { get; }
    public bool IpIdJump { get; }
    public long NonRstPacketsAfterOwnRst { get; }
    public bool DataAfterOwnRst { get; }
    public bool SteppedRsts { get; }
    public bool BothSidesReset { get; }
    public long BothSidesResetApart { get; }
    public bool StatelessReply { get; }
    public bool RstAtSendNext { get; }
    public bool AnswersPeerData { get; }
    /// <summary>The peer's last packet before the RST was a keep-alive probe.</summary>
    public bool AnswersPeerKeepAlive { get; }
}
