using PcapResetInspector.Core.Connections;
using static PcapResetInspector.Core.Diagnosis.EvidenceText;

namespace PcapResetInspector.Core.Diagnosis;

public sealed partial class ResetDiagnoser
{
    /// <summary>
    /// The rules for a connection judged on its own, first match wins:
    /// refused (unless the server contradicts it or the RST bears a forger's marks); a port-reuse
    /// collision; a stray SYN-ACK answered by RST; after a long idle gap (idle timeout, or half-open); a lone RST linked to the earlier
    /// connection on the tuple; injection signs; keep-alive failure; FIN before the RST (trailing RST,
    /// data after close, FIN-then-RST); half-open; a client giving up during the handshake (a lone
    /// 139/445 race loser); the server resetting during the handshake; mid-stream; close with unread
    /// data; abortive close; unexplained.
    /// </summary>
    private Finding Classify(ConnectionFacts facts, ResetSigns signs)
    {
        return Refused(facts, signs)
               ?? PortReuseCollision(facts)
               ?? StraySynAck(facts)
               ?? AfterIdleGap(facts, signs)
               ?? LinkedToPrior(facts, signs)
               ?? Injection(facts, signs)
               ?? KeepaliveFailure(facts)
               ?? AfterOwnFin(facts, signs)
               ?? HalfOpen(facts, signs)
               ?? HandshakeGiveUp(facts, signs)
               ?? ServerHandshakeReset(facts)
               ?? MidStream(facts, signs)
               ?? CloseWithUnreadData(facts)
               ?? AbortiveClose(facts, signs)
               ?? new Finding(ResetCause.Unexplained, DiagnosisConfidence.Low,
                   Who(facts, facts.Resetter!) + " sent " + RstKind(facts.Resetter!) + " (history " + facts.Summary.History + "); no rule matched");
    }

    /// <summary>SYN answered by RST,ACK &lt;SEQ=0&gt;&lt;ACK=ISN+1&gt; and no SYN-ACK (RFC 9293 §3.10.7.1; Zeek REJ).</summary>
    private static Finding? Refused(ConnectionFacts facts, ResetSigns signs)
    {
        if (facts.ResetterIsClient || !facts.ClientSentSyn || facts.ServerAnsweredSyn || signs.PacketsBeforeRst != 0)
            return null;
        // A "refusal" the server contradicts (its SYN-ACK or anything else after it) or that carries the marks of
        // a forger is weighed as an injection instead.
        if (signs.SynAckAfterRst || signs.SenderCarriedOn || signs.ForgeryMarks >= 2 || signs.TtlMismatch)
            return null;
        EndpointSummary server = facts.Server;
        EndpointSummary client = facts.Client;
        // The client sent only its SYN(s), so its SND.NXT is ISN+1.
        bool classic = server.RstHadAck && server.RstSeq == 0 && server.RstAck == client.NextSeq && client.PayloadBytes == 0;
        string answer = classic
            ? "RST,ACK (seq 0, ack = ISN+1)"
            : RstKind(server) + " (seq " + Number(server.RstSeq) + ", ack " + Number(server.RstAck) + ")";
        string synCount = client.SynCount > 1 ? " (" + Number(client.SynCount) + " SYNs)" : "";
        string evidence = "SYN from client " + Address(client) + synCount + " answered by " + answer + " from " +
                          AddressAndPort(server) + " after " + Duration(facts.Summary.FirstRstTime - facts.ClientSynTime) +
                          "; no SYN-ACK; RST TTL " + Number(server.RstTtl);
        if (facts.Summary.PreviousOnTuple is { } prior && prior.ConnState == "REJ")
            evidence += "; a retry: " + prior.Uid + " on the same tuple was refused " + Duration(facts.ClientSynTime - prior.LastActivityTime) + " earlier";
        string hint = "client " + Address(client) + ": " + LogHints.ConnectionRefused + " from connect()";
        return new Finding(ResetCause.Refused, classic ? DiagnosisConfidence.High : DiagnosisConfidence.Medium, evidence, hint);
    }

    /// <summary>
    /// A RST right after a quiet period of at least IdleGap: a middlebox's idle timeout (TTL not the
    /// endpoint's, or both sides reset at once), unless the RST is the stateless reply of a host that
    /// restarted (its IP-ID does not continue), which is half-open.
    /// </summary>
    private Finding? AfterIdleGap(ConnectionFacts facts, ResetSigns signs)
    {
        if (signs.QuietBeforeReset < _idleGap)
            return null;
        EndpointSummary resetter = facts.Resetter!;
        string quiet = signs.QuietSincePrior
            ? "reset " + Duration(facts.Summary.FirstRstTime - facts.Summary.PreviousOnTuple!.LastActivityTime) +
              " after the last activity of connection " + facts.Summary.PreviousOnTuple.Uid
            : "RST from " + Who(facts, resetter) + " after " + Duration(signs.QuietBeforeReset) + " of silence on the connection";
        var parts = new List<string> { quiet };
        if (signs.TtlMismatch)
            parts.Add(TtlComparison(facts, signs) + " (a middlebox answering for it)");
        if (signs.BothSidesReset)
            parts.Add("RSTs to both sides " + Duration(signs.BothSidesResetApart) + " apart");

        if (signs.TtlMismatch || signs.BothSidesReset)
        {
            parts.Add("keep-alives must come more often than the device's idle timeout");
            return new Finding(ResetCause.IdleTimeout, DiagnosisConfidence.High, string.Join("; ", parts));
        }
        if (signs.StatelessReply && (signs.AnswersPeerData || signs.AnswersPeerKeepAlive) && signs.IpIdJump)
        {
            parts.Add(Who(facts, facts.Peer!) + (signs.AnswersPeerData ? " sent data" : " sent a keep-alive") +
                      " and got a bare RST with seq = its ack (no socket knew the connection)");
            parts.Add(IpIdComparison(facts, signs) + ": the host restarted or failed over during the silence");
            return new Finding(ResetCause.HalfOpen, DiagnosisConfidence.Medium, string.Join("; ", parts));
        }
        parts.Add(signs.HasTtlReference
            ? "TTL " + Number(resetter.RstTtl) + " matches " + Address(resetter) + "'s other packets: the endpoint itself (an application idle timeout) or a middlebox copying its TTL"
            : "no other packet from " + Address(resetter) + " to compare the TTL with");
        return new Finding(ResetCause.IdleTimeout, signs.HasTtlReference ? DiagnosisConfidence.Low : DiagnosisConfidence.Medium, string.Join("; ", parts));
    }

    /// <summary>
    /// A connection that begins without a handshake right after an earlier one on the same tuple
    /// left the table: the RST belongs to that earlier connection's story.
    /// </summary>
    private static Finding? LinkedToPrior(ConnectionFacts facts, ResetSigns signs)
    {
        PriorConnection? prior = facts.Summary.PreviousOnTuple;
        if (prior is null || facts.ClientSentSyn || facts.ServerAnsweredSyn)
            return null;
        string link = "reset " + Duration(facts.Summary.FirstRstTime - prior.LastActivityTime) + " after the last activity of connection " +
                      prior.Uid + " (" + prior.History + ", " + prior.ConnState + ")";
        if (signs.TtlMismatch || signs.StatelessReply && (signs.AnswersPeerData || signs.AnswersPeerKeepAlive))
            return null; // the injection and half-open rules say more
        if (prior.History.Contains('F') || prior.History.Contains('f'))
        {
            return new Finding(ResetCause.FinThenRstTeardown, DiagnosisConfidence.Medium,
                link + ", which had closed with FIN: a late packet answered after the close");
        }
        if (prior.Removal == RemovalReason.AttemptTimeout)
        {
            return new Finding(ResetCause.AbortiveClose, DiagnosisConfidence.Low,
                link + ", an unanswered connection attempt: the late answer was refused by a client that had given up");
        }
        return null;
    }

    /// <summary>Unanswered keep-alives (RFC 9293 §3.8.4, seq = SND.NXT-1), then a RST from the prober.</summary>
    private static Finding? KeepaliveFailure(ConnectionFacts facts)
    {
        EndpointSummary prober = facts.Resetter!;
        if (prober.UnansweredKeepAlives < 1)
            return null;
        EndpointSummary peer = facts.Peer!;
        string evidence = Count(prober.UnansweredKeepAlives, "keep-alive", "keep-alives") + " from " + Who(facts, prober) +
                          " went unanswered; " + Who(facts, peer) + " silent for " + Duration(facts.Summary.FirstRstTime - peer.LastPacketTime) +
                          " before the prober's RST: the peer or the path is gone";
        string hint = Who(facts, prober) + ": Connection timed out (ETIMEDOUT) when its keep-alives ran out; " + Who(facts, peer) +
                      ", if still there: " + LogHints.ConnectionReset;
        return new Finding(ResetCause.KeepaliveFailure, prober.UnansweredKeepAlives >= 2 ? DiagnosisConfidence.High : DiagnosisConfidence.Medium,
            evidence, hint);
    }

    /// <summary>
    /// The resetter had sent FIN before its RST, or both FINs came first: a RST after a clean close
    /// (Zeek keeps SF), the answer to data sent after the close, or the answer to a late ACK/FIN.
    /// </summary>
    private static Finding? AfterOwnFin(ConnectionFacts facts, ResetSigns signs)
    {
        ConnectionSummary c = facts.Summary;
        EndpointSummary resetter = facts.Resetter!;
        EndpointSummary peer = facts.Peer!;
        long rst = c.FirstRstTime;
        bool resetterFin = resetter.FirstFinTime != 0 && resetter.FirstFinTime < rst;
        bool peerFin = peer.FirstFinTime != 0 && peer.FirstFinTime < rst;
        // SF with a RST: Zeek ignores a RST after both FINs for the state (zeek-conn-semantics §2.2).
        bool trailing = c.ConnState == "SF";
        if (!resetterFin && !trailing)
            return null;

        if (resetterFin && peer.DataPackets > 0 && peer.LastDataTime > resetter.FirstFinTime)
        {
            long lastBefore = peer.LastDataTime <= rst ? rst - peer.LastDataTime : 0;
            string evidence = Who(facts, resetter) + " sent FIN " + Duration(rst - resetter.FirstFinTime) + " before its RST; " +
                              Who(facts, peer) + " kept sending (last data " + Duration(lastBefore) + " before the RST)" +
                              (signs.StatelessReply ? "; the late data was answered with a bare RST at seq = its ack: the socket was gone" : "; the late data was answered with " + RstKind(resetter)) +
                              "; a pooled or half-closed connection written to after the close";
            string hint = Who(facts, peer) + ": " + LogHints.ConnectionReset + " or Broken pipe (EPIPE) on its next write";
            return new Finding(ResetCause.DataAfterClose, signs.StatelessReply ? DiagnosisConfidence.High : DiagnosisConfidence.Medium, evidence, hint);
        }

        string order = resetterFin && peerFin
            ? "both sides sent FIN (" + (resetter.FirstFinTime <= peer.FirstFinTime ? Who(facts, resetter) : Who(facts, peer)) + " first)"
            : resetterFin
                ? Who(facts, resetter) + " sent FIN and " + Who(facts, peer) + " answered without data"
                : Who(facts, peer) + " sent FIN before the RST and " + Who(facts, resetter) + " after it";
        string text = order + ", then " + RstKind(resetter) + " from " + Who(facts, resetter) + " " +
                      Duration(rst - c.LastPacketBeforeRstTime) + " after the last packet: teardown of a closed connection, answering a late ACK or FIN";
        if (trailing)
            text += " (Zeek keeps conn_state SF)";
        string logHint = "nothing: both applications had closed; a late read or write gets " + LogHints.ConnectionReset;
        return new Finding(ResetCause.FinThenRstTeardown, resetterFin && peerFin || trailing ? DiagnosisConfidence.High : DiagnosisConfidence.Medium,
            text, logHint);
    }

    /// <summary>
    /// The peer's data answered by a bare RST at seq = the peer's ack: the RFC 9293 §3.10.7.1 reply of
    /// a stack with no connection. After a quiet period and with an IP-ID that does not continue, the
    /// resetter restarted or lost its (NAT/conntrack) state.
    /// </summary>
    private Finding? HalfOpen(ConnectionFacts facts, ResetSigns signs)
    {
        if (!signs.StatelessReply || !(signs.AnswersPeerData || signs.AnswersPeerKeepAlive))
            return null;
        EndpointSummary resetter = facts.Resetter!;
        EndpointSummary peer = facts.Peer!;
        bool quiet = signs.QuietBeforePeerData >= _quietGap;
        int score = 1 + (quiet ? 1 : 0) + (signs.IpIdJump ? 1 : 0);
        var parts = new List<string>();
        long answered = signs.AnswersPeerData ? peer.LastDataTime : peer.LastPacketTime;
        string delay = Duration(facts.Summary.FirstRstTime - Math.Min(answered, facts.Summary.FirstRstTime));
        parts.Add((quiet ? "after " + Duration(signs.QuietBeforePeerData) + " of quiet, " : "") + Who(facts, peer) +
                  (signs.AnswersPeerData ? " sent data; " : " sent a keep-alive; ") +
                  Who(facts, resetter) + " answered " + delay + " later with a bare RST (seq = the ack " + Address(peer) +
                  " sent, no ACK flag): no socket there knew the connection");
        if (signs.IpIdJump)
            parts.Add(IpIdComparison(facts, signs) + ": " + Address(resetter) + " restarted or failed over");
        else if (signs.HasIpIdReference)
            parts.Add("IP-ID " + Hex16(resetter.RstIpId) + " continues " + Hex16(signs.ReferenceIpId) + ": NAT or conntrack state lost on the way, or the socket was dropped");
        string hint = Who(facts, peer) + ": " + LogHints.ConnectionReset + " on its next read or write" +
                      (signs.AnswersPeerData ? "; the data it sent was lost" : "");
        return new Finding(ResetCause.HalfOpen, score >= 3 ? DiagnosisConfidence.High : score == 2 ? DiagnosisConfidence.Medium : DiagnosisConfidence.Low,
            string.Join("; ", parts), hint);
    }

    /// <summary>
    /// The client reset before it had sent any data, soon after its SYN: on 139/445 the shape of a race
    /// loser whose sibling was not seen; elsewhere a client that gave up connecting.
    /// </summary>
    private Finding? HandshakeGiveUp(ConnectionFacts facts, ResetSigns signs)
    {
        if (!facts.ResetterIsClient || !facts.ClientSentSyn)
            return null;
        EndpointSummary client = facts.Client;
        long sinceSyn = facts.Summary.FirstRstTime - facts.ClientSynTime;
        if (facts.SmbVariant is SmbRaceVariant.A or SmbRaceVariant.B or SmbRaceVariant.C && sinceSyn <= 2 * _raceWindow)
        {
            string other = facts.Server.Port == ConnectionFacts.DirectSmbPort ? "139" : "445";
            string evidence = "client " + Address(client) + " gave up port " + Number(facts.Server.Port) + " " + Duration(sinceSyn) +
                              " after its SYN (variant " + facts.SmbVariant + " of the 139/445 race: " + VariantShape(facts.SmbVariant.Value) +
                              "); no sibling connection to port " + other + " was seen (still open, outside the capture, or filtered out)";
            return new Finding(ResetCause.SmbRaceLoser, DiagnosisConfidence.Low, evidence, SmbLoserLogHint(facts, facts.SmbVariant.Value));
        }
        if (facts.ClientCompletedHandshake || facts.DataBeforeRst)
            return null;
        string shape = facts.ServerAnsweredSyn
            ? "answered the SYN-ACK with " + RstKind(client) + (signs.StatelessReply ? " at seq = ISN+1" : "")
            : "reset before any SYN-ACK";
        string text = "client " + Address(client) + " " + shape + " " + Duration(sinceSyn) + " after its SYN, without completing the handshake: " +
                      "it had given up connecting (a timeout, or a parallel attempt that lost) or was a half-open scanner; one destination, so not a scan";
        return new Finding(ResetCause.AbortiveClose, DiagnosisConfidence.Low, text);
    }

    /// <summary>The server sent SYN-ACK and then RST before the handshake completed.</summary>
    private static Finding? ServerHandshakeReset(ConnectionFacts facts)
    {
        if (facts.ResetterIsClient || !facts.ServerAnsweredSyn || facts.ClientCompletedHandshake || facts.DataBeforeRst)
            return null;
        return new Finding(ResetCause.Unexplained, DiagnosisConfidence.Medium,
            "server " + Address(facts.Server) + " sent SYN-ACK, then " + RstKind(facts.Server) + " before the client's ACK: " +
            "a listener that went away, or a full accept queue with tcp_abort_on_overflow");
    }

    /// <summary>No handshake seen and nothing else explains it: say what the RST looks like.</summary>
    private static Finding? MidStream(ConnectionFacts facts, ResetSigns signs)
    {
        if (facts.ClientSentSyn || facts.ServerAnsweredSyn)
            return null;
        EndpointSummary resetter = facts.Resetter!;
        PriorConnection? prior = facts.Summary.PreviousOnTuple;
        string start = prior is not null
            ? "reset " + Duration(facts.Summary.FirstRstTime - prior.LastActivityTime) + " after the last activity of connection " + prior.Uid +
              " (" + prior.History + ", " + prior.ConnState + ", left the connection table: " + RemovalText(prior.Removal) + ")"
            : "no handshake in the capture (it began mid-connection)";
        if (resetter.RstHadAck && signs.RstAtSendNext && signs.PacketsBeforeRst > 0)
        {
            return new Finding(ResetCause.AbortiveClose, DiagnosisConfidence.Low,
                start + "; " + Who(facts, resetter) + " sent RST,ACK at its SND.NXT after " + Count(signs.PacketsBeforeRst, "packet", "packets") +
                ", no FIN: an application abort by the endpoint that owned the connection");
        }
        string what = signs.PacketsBeforeRst > 0
            ? " sent " + RstKind(resetter) + " after " + Count(signs.PacketsBeforeRst, "packet", "packets") + " of its own"
            : facts.Peer!.PacketsSent == 0
                ? " sent a lone " + RstKind(resetter) + ": nothing else of this connection was captured"
                : " sent " + RstKind(resetter) + " as its first packet";
        return new Finding(ResetCause.Unexplained, DiagnosisConfidence.Low, start + "; " + Who(facts, resetter) + what);
    }

    private static string RemovalText(RemovalReason reason) => reason switch
    {
        RemovalReason.Closed => "closed",
        RemovalReason.AttemptTimeout => "unanswered attempt",
        RemovalReason.Expired => "expired half-closed",
        RemovalReason.Inactive => "inactivity timeout",
        RemovalReason.Reused => "tuple reused",
        RemovalReason.Evicted => "evicted",
        _ => "end of input",
    };

    /// <summary>
    /// RST instead of FIN right after the peer's last data, which the resetter never answered: the
    /// application closed with unread data (Linux TCPAbortOnClose), a possible application bug.
    /// </summary>
    private Finding? CloseWithUnreadData(ConnectionFacts facts)
    {
        EndpointSummary resetter = facts.Resetter!;
        EndpointSummary peer = facts.Peer!;
        long rst = facts.Summary.FirstRstTime;
        if (!facts.DataBeforeRst || peer.DataPackets == 0 || peer.LastDataTime >= rst || peer.LastDataTime <= resetter.LastDataTime ||
            rst - peer.LastDataTime > _unreadDataWindow)
            return null;
        bool ackedByRst = resetter.RstHadAck && resetter.RstAck == peer.NextSeq;
        string evidence = Who(facts, peer) + "'s last data came " + Duration(rst - peer.LastDataTime) + " before " + Who(facts, resetter) + "'s " +
                          RstKind(resetter) + "; " + Address(resetter) + " never answered it with data and sent no FIN" +
                          (ackedByRst ? "; the RST acknowledges it (ack = the peer's SND.NXT): received by the stack, unread by the application (Linux counts TCPAbortOnClose)" : "");
        return new Finding(ResetCause.CloseWithUnreadData, ackedByRst ? DiagnosisConfidence.High : DiagnosisConfidence.Medium, evidence);
    }

    /// <summary>An established connection aborted by one endpoint (SO_LINGER 0, abort()): RST at SND.NXT, no FIN, nothing after.</summary>
    private static Finding? AbortiveClose(ConnectionFacts facts, ResetSigns signs)
    {
        if (!facts.ClientCompletedHandshake && !facts.DataBeforeRst)
            return null;
        EndpointSummary resetter = facts.Resetter!;
        EndpointSummary peer = facts.Peer!;
        ConnectionSummary c = facts.Summary;
        bool atSendNext = resetter.RstHadAck && signs.RstAtSendNext;
        var parts = new List<string>
        {
            Who(facts, resetter) + " sent " + RstKind(resetter) + (signs.RstAtSendNext ? " at its SND.NXT" : " at seq " + Number(resetter.RstSeq)) + " " +
            Duration(c.FirstRstTime - c.LastPacketBeforeRstTime) + " after the last packet, with no FIN before it",
        };
        if (signs.HasTtlReference)
            parts.Add("TTL " + Number(resetter.RstTtl) + " as on its " + Count(signs.PacketsBeforeRst, "earlier packet", "earlier packets"));
        parts.Add("nothing from it afterwards");
        if (facts.DataBeforeRst)
        {
            parts.Add(Count((long)resetter.DataPackets, "data segment", "data segments") + " from the resetter and " +
                      Count((long)peer.DataPackets, "data segment", "data segments") + " from " + Who(facts, peer) + " before it: the application aborted instead of closing");
        }
        else
        {
            parts.Add("handshake completed, no data: a connect-only probe or a health check");
        }
        return new Finding(ResetCause.AbortiveClose, atSendNext ? DiagnosisConfidence.High : DiagnosisConfidence.Medium, string.Join("; ", parts));
    }
}
