using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>Evidence for the diagnosis, recorded as packets pass (as Zeek's ConnSize child analyzer counts beside the TCP analyzer).</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- evidence for the diagnosis

    private static void RecordEvidenceBeforeState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer,
        in TcpSegment s, bool fromA, ReadOnlySpan<byte> frame)
    {
        long t = s.TimestampNanos;
        long previous = Math.Max(c.A.LastPacketTime, c.B.LastPacketTime);
        if (previous != 0 && t - previous > c.LongestIdleGap)
        {
            c.LongestIdleGap = t - previous;
            c.LongestIdleGapEnd = t;
        }

        bool rst = (s.Flags & TcpFlags.Rst) != 0;
        if (ep.FirstPacketTime == 0)
            ep.FirstPacketTime = t;
        ep.LastPacketTime = t;
        if (!rst && ep.FirstRstTime == 0)
        {
            // The reference a RST is compared with (a forged or middlebox RST differs from it).
            if (s.Ttl < ep.TtlMinBeforeRst) ep.TtlMinBeforeRst = s.Ttl;
            if (s.Ttl > ep.TtlMaxBeforeRst) ep.TtlMaxBeforeRst = s.Ttl;
            ep.IpIdBeforeRst = s.IpId;
        }
        else if (!rst)
        {
            if (ep.TtlMaxAfterRst == 0)
            {
                ep.IpIdAfterRst = s.IpId;
                ep.FirstPacketAfterRstTime = t;
            }
            if (s.Ttl < ep.TtlMinAfterRst) ep.TtlMinAfterRst = s.Ttl;
            if (s.Ttl > ep.TtlMaxAfterRst) ep.TtlMaxAfterRst = s.Ttl;
        }
        peer.UnansweredKeepAlives = 0; // anything from this host answers the peer's probes
        ep.RecordIpFields(s.Ttl, s.IpId);
        if ((s.Options & TcpOptionsSeen.Timestamps) != 0)
        {
            if (!ep.HasTimestamps)
                ep.TsValFirst = s.TimestampValue;
            ep.HasTimestamps = true;
            ep.TsValLast = s.TimestampValue;
        }
        if ((s.Options & TcpOptionsSeen.Mss) != 0)
            ep.Mss = s.Mss;

        if (peer.FirstRstTime != 0)
            ep.PacketsAfterPeerRst++;
        if (ep.FirstRstTime != 0)
            ep.PacketsAfterOwnRst++;

        bool syn = (s.Flags & TcpFlags.Syn) != 0;
        bool fin = (s.Flags & TcpFlags.Fin) != 0;
        if (fin && ep.FirstFinTime == 0)
            ep.FirstFinTime = t;
        if (syn && ep.SynCount == 0 && ep.SynSeq == 0)
            ep.SynSeq = s.SequenceNumber;

        // A keep-alive probe: seq one below what was already sent, 0 or 1 byte, plain ACK (RFC 9293 §3.8.4).
        if (!syn && !fin && !rst && s.PayloadLength <= 1 && ep.DataPackets + (ulong)ep.SynCount > 0 &&
            s.SequenceNumber == ep.NextRawSeq - 1)
        {
            ep.KeepAlives++;
            ep.UnansweredKeepAlives++;
        }

        if (rst && ep.FirstRstTime == 0)
        {
            ep.FirstRstTime = t;
            ep.RstTtl = s.Ttl;
            ep.RstIpId = s.IpId;
            ep.RstSeq = s.SequenceNumber;
            ep.RstAck = s.AcknowledgmentNumber;
            ep.RstHadAck = (s.Flags & TcpFlags.Ack) != 0;
            ep.RstPayloadLength = s.PayloadLength;
            ep.RstReservedBits = s.ReservedBits;
            ep.RstMptcpReason = (s.Options & TcpOptionsSeen.MptcpReset) != 0 ? s.MptcpResetReason : (short)-1;
            ep.RstSeqMatchedExpected = peer.PacketsSent > 0 && s.SequenceNumber == peer.LastRawAck;
            if (c.FirstRstTime == 0)
            {
                c.FirstRstTime = t;
                c.LastPacketBeforeRstTime = previous;
                c.FirstRstFromA = fromA;
            }
        }

        // Not only the first RST: a sender may send a bare RST and one with the payload (draft-ietf-tcpm-rst-diagnostic-payload-03 §6.2).
        if (rst && !ep.RstDiagnostic.IsPresent)
            ep.RstDiagnostic = s.RstDiagnostic;

        if (s.PayloadLength > 0 && !rst)
        {
            ep.DataPackets++;
            ep.PayloadBytes += (ulong)s.PayloadLength;
            ep.LastDataTime = t;
            // Only the first data segment's bytes say how the conversation began; when they were not
            // captured the length from the IP header is all there is, and the diagnosis says so.
            bool firstData = ep.DataPackets == 1;
            if (firstData)
            {
                ep.FirstDataLength = s.PayloadLength;
                ep.FirstDataUncaptured = s.CapturedPayloadLength == 0;
            }
            if (firstData && s.CapturedPayloadLength > 0)
            {
                int take = Math.Min(4, s.CapturedPayloadLength);
                if (s.PayloadOffset + take <= frame.Length)
                {
                    uint value = 0;
                    for (int i = 0; i < take; i++)
                        value |= (uint)frame[s.PayloadOffset + i] << (24 - 8 * i);
                    ep.FirstPayload = value;
                    ep.FirstPayloadLength = take;
                }
            }
        }

        uint end = s.SequenceNumber + (uint)s.PayloadLength + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        if (!rst && (ep.PacketsSent == 1 || SeqDelta(end, ep.NextRawSeq) > 0))
            ep.NextRawSeq = end;
        ep.LastRawSeq = s.SequenceNumber;
        if ((s.Flags & TcpFlags.Ack) != 0)
            ep.LastRawAck = s.AcknowledgmentNumber;
    }
}
