using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>One endpoint's sequence space, acknowledgements and window (Zeek's TCP_Endpoint).</summary>
public sealed partial class ConnectionTracker
{
    private static void SetPartialStatus(ref Connection c, TcpFlags flags, bool isOrig)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        if (isOrig)
        {
            if ((c.FirstPacketSeen & FirstPacketOriginator) == 0)
                c.IsPartial = !syn || ack;
        }
        else if ((c.FirstPacketSeen & FirstPacketResponder) == 0 && !c.IsPartial)
        {
            c.IsPartial = !syn;
        }
    }

    /// <summary>init_endpoint in TCPSessionAdapter.cc: where an endpoint's sequence space starts.</summary>
    private static void InitEndpoint(ref TcpEndpoint ep, TcpFlags flags, uint firstSegSeq, uint lastSeq)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        switch (ep.State)
        {
            case EndpointState.Inactive:
                if (syn)
                {
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitStartSeq(firstSegSeq);
                }
                else
                {
                    // A partial connection: number as though a SYN had been seen.
                    ep.InitAckSeq(firstSegSeq - 1);
                    ep.InitStartSeq(firstSegSeq - 1);
                    lastSeq = firstSegSeq;
                }
                ep.InitLastSeq(lastSeq);
                break;
            case EndpointState.SynSent:
            case EndpointState.SynAckSent:
                if (syn && firstSegSeq != ep.StartSeq)
                {
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
            case EndpointState.Established:
            case EndpointState.Partial:
                if (syn)
                {
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
            case EndpointState.Reset:
                if (syn && ep.PreviousState == EndpointState.Inactive)
                {
                    // Numbers initialised by a RST, now a SYN: the RST may have been forged.
                    ep.InitStartSeq(firstSegSeq);
                    ep.InitAckSeq(firstSegSeq);
                    ep.InitLastSeq(lastSeq);
                }
                break;
        }
    }

    private static int SeqDelta(uint a, uint b) => (int)(a - b);

    /// <summary>get_relative_seq in TCPSessionAdapter.cc.</summary>
    private static ulong RelativeSeq(ref TcpEndpoint ep, uint current, uint last, uint wraps, out bool underflow)
    {
        underflow = false;
        int delta = SeqDelta(current, last);
        if (delta < 0)
        {
            if (wraps != 0 && current > last)
                --wraps;
        }
        else if (delta > 0 && current < last)
        {
            ++wraps;
        }

        if (wraps == 0)
        {
            delta = SeqDelta(current, ep.StartSeq);
            if (delta < 0)
                underflow = true;
            return (ulong)(long)delta;
        }
        return ep.ToRelativeSeqSpace(current, wraps);
    }

    private static void InitPeer(ref TcpEndpoint peer, uint ackSeq)
    {
        // init_peer: number the silent peer as though its SYN had been seen.
        peer.InitStartSeq(ackSeq - 1);
        peer.InitAckSeq(ackSeq - 1);
        peer.InitLastSeq(ackSeq - 1);
    }

    private static void UpdateAckSeq(ref TcpEndpoint ep, uint ackSeq)
    {
        int delta = SeqDelta(ackSeq, ep.AckSeq);
        if (ackSeq == 0 && delta > TooLargeSeqDelta)
            return; // more likely a broken ack than a connection landing on 0
        if (delta > 0)
            ep.UpdateAckSeq(ackSeq);
    }

    /// <summary>update_last_seq: advances the endpoint's highest sequence number; counts retransmissions (T/t).</summary>
    private static void UpdateLastSeq(ref Connection c, bool fromA, ref TcpEndpoint ep, uint lastSeq, TcpFlags flags, int len)
    {
        int deltaLast = SeqDelta(lastSeq, ep.LastSeq);
        bool synOrRst = (flags & (TcpFlags.Syn | TcpFlags.Rst)) != 0;
        if (synOrRst && (deltaLast > TooLargeSeqDelta || deltaLast < -TooLargeSeqDelta))
        {
            // untrusted jump
        }
        else if ((flags & TcpFlags.Fin) != 0 && ep.LastSeq == ep.StartSeq + 1)
        {
            ep.UpdateLastSeq(lastSeq); // only SYN and FIN seen: trust the FIN (> 2 GB connections)
        }
        else if (ep.State == EndpointState.Reset)
        {
            // nothing after a RST is trusted
        }
        else if (deltaLast > 0)
        {
            ep.UpdateLastSeq(lastSeq);
        }
        else if (len > 0)
        {
            ScaledHistoryEntry(ref c, fromA, 'T', ref ep.RetransmitCount, ref ep.RetransmitThreshold);
        }
    }

    private static void InitWindow(ref TcpEndpoint ep, ref TcpEndpoint peer, TcpFlags flags, int scale)
    {
        if (scale < 0)
        {
            ep.WindowScale = 0;
            if ((flags & TcpFlags.Ack) != 0)
                peer.WindowScale = 0; // scaling not negotiated
        }
        else
        {
            ep.WindowScale = Math.Min(scale, 14); // RFC 7323 §2.3 caps the shift at 14
        }
    }

    /// <summary>update_window: a zero window (after scaling) adds W/w unless it comes with or after a RST, or after the peer's FIN.</summary>
    private void UpdateWindow(ref Connection c, bool fromA, ref TcpEndpoint ep, ref TcpEndpoint peer, ushort window, TcpFlags flags)
    {
        ulong scaled = (ulong)window << ep.WindowScale;
        if (scaled == 0 && (flags & TcpFlags.Rst) == 0 && peer.State != EndpointState.Closed && ep.State != EndpointState.Reset)
            ScaledHistoryEntry(ref c, fromA, 'W', ref ep.ZeroWindowCount, ref ep.ZeroWindowThreshold);
    }
}
