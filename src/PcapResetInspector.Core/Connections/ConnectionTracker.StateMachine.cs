using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>Endpoint states and their transitions (TCPSessionAdapter's state machine, zeek-conn-semantics §2).</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- state machine

    private void SetState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, EndpointState newState)
    {
        if (newState == ep.State)
            return;
        // TCP_Endpoint::SetState: leaving the handshake while both sides were in it switches the
        // connection to tcp_inactivity_timeout.
        if (!newState.IsHandshake() && ep.State.IsHandshake() && peer.State.IsHandshake() &&
            c.InactivityTimeout != _longInactivity)
            c.InactivityTimeout = _inactivity;
        ep.SetState(newState);
    }

    private void UpdateStateMachine(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool fromA,
        uint baseSeq, int len, bool isOrig, TcpFlags flags, out bool doClose, out bool genEvent)
    {
        doClose = false;
        genEvent = false;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;

        switch (ep.State)
        {
            case EndpointState.Inactive:
                UpdateInactiveState(ref c, ref ep, ref peer, fromA, baseSeq, len, isOrig, syn, fin, rst, ack, ref doClose, ref genEvent);
                break;

            case EndpointState.SynSent:
            case EndpointState.SynAckSent:
                if (fin)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Closed);
                    doClose = genEvent = true;
                }
                if (rst)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    c.IsActive = false; // ConnectionReset
                    doClose = true;
                }
                break;

            case EndpointState.Established:
            case EndpointState.Partial:
                if (syn && ep.State == EndpointState.Partial && peer.State == EndpointState.Inactive && !ack)
                    SetState(ref c, ref ep, ref peer, EndpointState.SynSent); // SYN_after_partial
                if (fin && !rst)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Closed);
                    if (peer.State == EndpointState.Reset && peer.PreviousState == EndpointState.Closed)
                        SetState(ref c, ref peer, ref ep, EndpointState.Closed); // the peer's FIN then RST was a normal close
                    doClose = genEvent = true;
                }
                if (rst)
                {
                    bool peerAlreadyReset = peer.State == EndpointState.Reset && peer.PreviousState == EndpointState.Established;
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    doClose = true;
                    if (!peerAlreadyReset)
                        c.IsActive = false; // ConnectionReset
                }
                break;

            case EndpointState.Closed:
                // A RST after both FINs is ignored for state: the connection stays SF (§2.2).
                if (rst && peer.State != EndpointState.Closed)
                {
                    SetState(ref c, ref ep, ref peer, EndpointState.Reset);
                    if (!ep.DidClose)
                        doClose = true;
                }
                break;

            case EndpointState.Reset:
                break; // terminal
        }
    }

    /// <summary>UpdateInactiveState in TCPSessionAdapter.cc (zeek-conn-semantics §2.2, E = INACTIVE).</summary>
    private void UpdateInactiveState(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool fromA,
        uint baseSeq, int len, bool isOrig, bool syn, bool fin, bool rst, bool ack, ref bool doClose, ref bool genEvent)
    {
        if (syn)
        {
            if (isOrig)
            {
                SetState(ref c, ref ep, ref peer, ack ? EndpointState.SynAckSent : EndpointState.SynSent);
                if (_attemptDelay > 0)
                    c.AttemptDeadline = Deadline.After(c.TimerLastTime, _attemptDelay);
            }
            else
            {
                if (!ack && peer.State == EndpointState.SynAckSent && baseSeq == ep.StartSeq)
                {
                    // The SYN-ACK was captured before its SYN: flip and call it established.
                    c.IsPartial = false;
                    FlipRoles(ref c);
                    SetState(ref c, ref peer, ref ep, EndpointState.Established);
                    c.FirstPacketSeen |= FirstPacketOriginator;
                }

                if (peer.State == EndpointState.SynSent)
                    SetState(ref c, ref peer, ref ep, EndpointState.Established);

                SetState(ref c, ref ep, ref peer, EndpointState.Established);

                if (peer.State != EndpointState.Partial)
                {
                    // connection_established: inactivity.zeek's per-port timeout applies from here.
                    ushort respPort = c.OriginatorIsA ? c.PortB : c.PortA;
                    if (_longInactivityPort[respPort])
                        c.InactivityTimeout = _longInactivity;
                }
            }
        }

        if (fin)
        {
            SetState(ref c, ref ep, ref peer, EndpointState.Closed);
            doClose = genEvent = true;
        }

        if (rst)
        {
            SetState(ref c, ref ep, ref peer, EndpointState.Reset);
            bool isReject = isOrig
                ? peer.State == EndpointState.Established // a reverse scan: SYN-ACK seen, not the SYN
                : peer.State is EndpointState.SynSent or EndpointState.SynAckSent;
            doClose = true;
            genEvent = !isReject;
        }

        if (ep.State == EndpointState.Inactive)
        {
            ref TcpEndpoint orig = ref Orig(ref c);
            if (!isOrig && len == 0 && orig.State == EndpointState.SynSent)
            {
                // Some stacks ack the SYN before sending the SYN-ACK: not a partial connection (why `SaR` is RSTOS0).
            }
            else if (ack && peer.State == EndpointState.Established)
            {
                SetState(ref c, ref ep, ref peer, EndpointState.Established); // the SYN was missed
                c.IsPartial = false;
                c.FirstPacketSeen |= IsOrigHost(ref c, fromA) ? FirstPacketOriginator : FirstPacketResponder;
            }
            else
            {
                SetState(ref c, ref ep, ref peer, EndpointState.Partial);
            }
        }
    }

    /// <summary>TCPSessionAdapter::ConnectionClosed (zeek-conn-semantics §2.3).</summary>
    private void ConnectionClosed(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool genEvent)
    {
        if (ep.DidClose)
            return;
        ep.DidClose = true;

        bool complete = ep.State == EndpointState.Reset || peer.DidClose || peer.State == EndpointState.Inactive;
        if (complete)
        {
            if ((ep.PreviousState != EndpointState.Inactive || peer.State != EndpointState.Inactive) && genEvent)
                c.IsActive = false; // ConnectionFinished

            // CancelTimers, then delete at last_time + tcp_close_delay.
            c.AttemptDeadline = 0;
            c.ExpireTick = 0;
            c.ExpireTick2 = 0;
            long deleteAt = Deadline.After(c.TimerLastTime, _closeDelay);
            if (c.CloseDeleteDeadline == 0 || deleteAt < c.CloseDeleteDeadline)
                c.CloseDeleteDeadline = deleteAt;
        }
        else if (ep.PreviousState != EndpointState.Inactive)
        {
            // A half close by a side seen before: look for the other side closing too.
            c.ExpireTick2 = Deadline.After(c.TimerLastTime, _sessionTimer);
        }
    }
}
