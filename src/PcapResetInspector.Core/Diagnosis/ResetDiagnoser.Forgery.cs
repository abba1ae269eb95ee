using PcapResetInspector.Core.Connections;
using static PcapResetInspector.Core.Diagnosis.EvidenceText;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>The rules for resets that are not what they look like: forged RSTs, port-reuse collisions, stray SYN-ACKs.</summary>
public sealed partial class ResetDiagnoser
{
    /// <summary>
    /// The client's SYN answered by a bare ACK instead of a SYN-ACK: the server still held an earlier
    /// connection on the 4-tuple and sent a challenge ACK (RFC 5961 §4, RFC 9293 §3.10.7.4); the client,
    /// which has no such connection, answered it with a RST (§3.10.7.3) and retries its SYN.
    /// </summary>
    /// <summary>How long a collision waits for the client's retried SYN (Windows and Linux retry within about 20 s).</summary>
    internal const long RetryWaitNanos = 30_000_000_000;

    private static Finding? PortReuseCollision(ConnectionFacts facts)
    {
        if (!facts.IsPortReuseCollision)
            return null;
        ConnectionSummary c = facts.Summary;
        EndpointSummary client = facts.Client;
        EndpointSummary server = facts.Server;
        var parts = new List<string>
        {
            "SYN from client " + Address(client) + " answered by a bare ACK from " + AddressAndPort(server) + " instead of a SYN-ACK (a challenge ACK: " +
            "the server still held an earlier connection on this 4-tuple, RFC 5961 §4)",
            "the client reset it " + Duration(c.FirstRstTime - facts.ClientSynTime) + " after its SYN with " + RstKind(client) +
            (client.RstSeqMatchedExpected ? " at seq = the ACK's ack number" : "") + " (RFC 9293 §3.10.7.3)",
        };
        if (c.PreviousOnTuple is { } prior)
            parts.Add("the earlier connection " + prior.Uid + " (" + prior.History + ", " + prior.ConnState + ") was last active " +
                      Duration(facts.ClientSynTime - prior.LastActivityTime) + " before");
        bool retried = facts.Retry is not null;
        DiagnosisConfidence confidence = retried ? DiagnosisConfidence.High : DiagnosisConfidence.Medium;
        if (facts.Retry is { } n)
            parts.Add("the client's SYN " + Duration(n.SynTime - facts.ClientSynTime) + " later on the same tuple" +
                      (n.SameIsn ? " (same ISN: a retransmission of this SYN)" : " (new ISN)") + " started " + n.Uid);
        else
            parts.Add("no retry on the same tuple within " + Duration(RetryWaitNanos) + ": if that connect failed, the server kept the old connection too long");
        string hint = retried
            ? "nothing: the client's connect() goes on and its retried SYN connects; neither application sees an error"
            : "client " + Address(client) + ": the connect() may time out (ETIMEDOUT) if the server keeps the old connection";
        // Usually benign; actionable when the connect did not go on (resets.md).
        return new Finding(ResetCause.PortReuseCollision, confidence, string.Join("; ", parts), hint, retried ? Verdict.Benign : Verdict.Actionable);
    }

    /// <summary>
    /// A SYN-ACK to a host that sent no SYN, answered by that host's RST (RFC 9293 §3.10.7.1): alone, too few
    /// to be a reflection finding, it is still the shape of backscatter; the capture may also have begun
    /// between the host's SYN and its answer.
    /// </summary>
    private static Finding? StraySynAck(ConnectionFacts facts)
    {
        if (facts.SynAckSender is not { } sender || ReferenceEquals(sender, facts.Resetter) || facts.DataBeforeRst)
            return null;
        EndpointSummary receiver = facts.Resetter!;
        string evidence = Count(sender.SynCount, "SYN-ACK", "SYN-ACKs") + " from " + AddressAndPort(sender) + " to " + Address(receiver) +
                          ", which sent no SYN in the capture, answered by its " + RstKind(receiver) +
                          (receiver.RstSeqMatchedExpected ? " at seq = the SYN-ACK's ack" : "") +
                          ": backscatter of a SYN sent with " + Address(receiver) + "'s address, or a capture that began after its SYN; " +
                          "too few from other sources at the time to call it a reflection attack";
        return new Finding(ResetCause.SynAckReflection, DiagnosisConfidence.Low, evidence,
            "nothing: no application on " + Address(receiver) + " had this connection");
    }

    /// <summary>
    /// Signs that the RST did not come from the endpoint it claims (resets.md, injected / forged RST):
    /// a TTL unlike its other packets, traffic from it after its own RST, RSTs to both sides at once,
    /// several RSTs with stepped sequence numbers. Suspicious, with a confidence from how many agree.
    /// </summary>
    private static Finding? Injection(ConnectionFacts facts, ResetSigns signs)
    {
        bool carriedOn = signs.SenderCarriedOn;
        if (!signs.TtlMismatch && !carriedOn && !signs.BothSidesReset && !signs.SteppedRsts && signs.ForgeryMarks < 2)
            return null;
        EndpointSummary resetter = facts.Resetter!;
        int score = 0;
        var parts = new List<string>();
        if (signs.SynAckAfterRst)
        {
            score += 2;
            parts.Add("a RST answered the SYN from " + Address(facts.Client) + " " + Duration(facts.Summary.FirstRstTime - facts.ClientSynTime) +
                      " after it, yet " + Address(resetter) + " went on " + Duration(resetter.FirstPacketAfterRstTime - facts.Summary.FirstRstTime) +
                      " later with its SYN-ACK: the real answer raced a forged refusal, so the port was not refused");
        }
        if (signs.TtlMismatch)
        {
            score += 2;
            parts.Add(TtlComparison(facts, signs));
        }
        if (carriedOn)
        {
            score += signs.DataAfterOwnRst ? 2 : 1;
            parts.Add(Address(resetter) + " sent " + Count(signs.NonRstPacketsAfterOwnRst, "more packet", "more packets") +
                      " after its RST" + (signs.DataAfterOwnRst ? ", data among them: it still had the connection" : ""));
        }
        if (signs.BothSidesReset)
        {
            score += 1;
            parts.Add("RSTs to both sides " + Duration(signs.BothSidesResetApart) + " apart, as an IPS tears a connection down");
        }
        if (signs.SteppedRsts)
        {
            score += 1;
            parts.Add(Number(facts.ResetterRstLetters) + " RSTs from " + Address(resetter) + " with different sequence numbers (" +
                      Count(resetter.RstCount, "RST", "RSTs") + " in all)");
        }
        if (signs.ReservedBitsSet)
        {
            score += 1;
            parts.Add("reserved TCP bits 0x" + resetter.RstReservedBits.ToString("X", System.Globalization.CultureInfo.InvariantCulture) +
                      " set on the RST (conforming stacks send zero, RFC 9293 §3.1)");
        }
        if (signs.IpIdCopied)
        {
            score += 1;
            parts.Add("its IP-ID " + Hex16(resetter.RstIpId) + " is copied from " + Address(facts.Peer!) + "'s first packet");
        }
        if (signs.AckIsBareIsn)
        {
            score += 1;
            parts.Add("RST,ACK with ack = the client's ISN " + Number(resetter.RstAck) + " where a stack refusing the SYN acks ISN+1 (RFC 9293 §3.10.7.1)");
        }
        if (signs.IpIdJump && score > 0)
        {
            score += 1;
            parts.Add(IpIdComparison(facts, signs));
        }
        if (resetter.RstSeqMatchedExpected && signs.PacketsBeforeRst > 0)
            parts.Add("its seq is exactly what the peer acknowledged, as RFC 5961 forces a forger to guess");
        string? hint = null;
        if (signs.SynAckAfterRst)
        {
            // RFC 9293 §3.10.7.3: in SYN-SENT a RST is accepted only if its ACK acknowledges the SYN (ISN+1).
            hint = facts.ClientEverAcked
                ? "nothing: client " + Address(facts.Client) + " ignored the forged RST" + (signs.AckIsBareIsn ? " (its ack is not acceptable in SYN-SENT, RFC 9293 §3.10.7.3)" : "") +
                  " and its connect() went on with the real SYN-ACK"
                : "client " + Address(facts.Client) + ": " + LogHints.ConnectionRefused + " from connect() if its stack took the forged RST";
        }
        return new Finding(ResetCause.SuspectedInjection, ByScore(score), string.Join("; ", parts), hint);
    }
}
