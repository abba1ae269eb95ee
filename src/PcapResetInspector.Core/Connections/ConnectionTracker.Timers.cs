namespace PcapResetInspector.Core.Connections;

/// <summary>Network time and Zeek's connection timers (attempt, close delay, inactivity), in one queue.</summary>
public sealed partial class ConnectionTracker
{
    private const long OutlierJumpNanos = 3_600_000_000_000; // one hour
    private long _unconfirmedJump;

    /// <summary>
    /// Network time follows packet time forwards, never backwards (Zeek's timers only move on). A single
    /// packet more than an hour ahead of the rest does not move it until a second packet confirms the
    /// jump, so one corrupt timestamp cannot expire every connection in the capture.
    /// </summary>
    private void AdvanceNetworkTime(long packetTime)
    {
        if (packetTime <= _networkTime)
        {
            if (_networkTime - packetTime > 1_000_000_000)
                TimestampsBackwards++;
            _unconfirmedJump = 0;
            return;
        }
        if (_networkTime != 0 && packetTime - _networkTime > OutlierJumpNanos)
        {
            if (_unconfirmedJump == 0 || Math.Abs(packetTime - _unconfirmedJump) > OutlierJumpNanos)
            {
                _unconfirmedJump = packetTime;
                TimestampOutliers++;
                return;
            }
            TimestampOutliers--; // the jump was real: the previous packet was no outlier
        }
        _unconfirmedJump = 0;
        _networkTime = packetTime;
    }

    /// <summary>Advances network time without a packet (live capture on an idle interface), firing due timers.</summary>
    public void AdvanceTime(long nowNanos)
    {
        if (nowNanos > _networkTime)
            _networkTime = nowNanos;
        RunTimers(_networkTime);
    }


    // ---------------------------------------------------------------- timers

    private void Schedule(int slot, ref Connection c)
    {
        long deadline = NextDeadline(ref c, out _);
        if (deadline < c.QueuedDeadline)
        {
            if (_timers.Count >= 2 * _index.Count + TimerCompactionSlack)
                CompactTimers();
            c.QueuedDeadline = deadline;
            _timers.Enqueue(new TimerEntry(slot, c.Generation, deadline));
        }
    }

    /// <summary>
    /// Drops stale entries (connections removed before their deadline, as evicted or reused ones are,
    /// and deadlines superseded by earlier ones), so that the queue stays proportional to the table
    /// rather than to the rate of new connections. It runs only once stale entries outnumber the live
    /// connections, so its O(n log n) is spread over at least as many enqueues.
    /// </summary>
    private void CompactTimers()
    {
        int kept = 0;
        foreach (TimerEntry entry in _timers.UnorderedEntries)
        {
            long due = entry.Due;
            ref Connection c = ref Slot(entry.Slot);
            if (!c.InUse || c.Generation != entry.Generation || c.QueuedDeadline != due)
                continue;
            c.QueuedDeadline = ~due; // marked: a duplicate entry with the same deadline is not kept twice
            if (kept == _timerScratch.Length)
                Array.Resize(ref _timerScratch, Math.Max(2 * kept, _index.Count + 16));
            _timerScratch[kept++] = entry;
        }
        _timers.Clear();
        for (int i = 0; i < kept; i++)
        {
            TimerEntry entry = _timerScratch[i];
            Slot(entry.Slot).QueuedDeadline = entry.Due;
            _timers.Enqueue(entry);
        }
    }

    private enum TimerKind { Inactivity, Attempt, CloseDelete, Expire, Expire2 }

    /// <summary>A deadline that never comes is never queued.</summary>
    private const long Never = Deadline.Never;

    private static long NextDeadline(ref Connection c, out TimerKind kind)
    {
        long deadline = Deadline.After(c.TimerLastTime, c.InactivityTimeout);
        kind = TimerKind.Inactivity;
        if (c.AttemptDeadline != 0 && c.AttemptDeadline < deadline) { deadline = c.AttemptDeadline; kind = TimerKind.Attempt; }
        if (c.CloseDeleteDeadline != 0 && c.CloseDeleteDeadline < deadline) { deadline = c.CloseDeleteDeadline; kind = TimerKind.CloseDelete; }
        if (c.ExpireTick != 0 && c.ExpireTick < deadline) { deadline = c.ExpireTick; kind = TimerKind.Expire; }
        if (c.ExpireTick2 != 0 && c.ExpireTick2 < deadline) { deadline = c.ExpireTick2; kind = TimerKind.Expire2; }
        return deadline;
    }

    /// <summary>Zeek runs every timer due at or before the packet's time before processing the packet.</summary>
    private void RunTimers(long now)
    {
        while (_timers.TryPeek(out TimerEntry entry) && entry.Due <= now)
        {
            long due = entry.Due;
            _timers.Dequeue();
            ref Connection c = ref Slot(entry.Slot);
            if (!c.InUse || c.Generation != entry.Generation || c.QueuedDeadline != due)
                continue; // stale: the slot was reused, or a newer entry stands for this connection
            c.QueuedDeadline = long.MaxValue;
            if (FireDueTimer(entry.Slot, ref c, due, now))
                continue;
            // Its next timer goes back into the queue even when it is already due, so that after a jump in
            // network time every connection's timers run in time order with everyone else's, as Zeek's do.
            Schedule(entry.Slot, ref c);
        }
    }

    /// <summary>
    /// Fires this connection's earliest timer if it is the one queued for <paramref name="queuedAt"/>. True
    /// if it was removed. A packet that puts a deadline off leaves the earlier entry queued (see Schedule), so
    /// an entry can wake a connection whose earliest timer is now later: that timer goes back into the queue
    /// to wait for its own turn instead of running ahead of other connections' earlier ones.
    /// </summary>
    private bool FireDueTimer(int slot, ref Connection c, long queuedAt, long now)
    {
        long at = NextDeadline(ref c, out TimerKind kind);
        if (at > queuedAt || at > now || at == Never)
            return false;
        switch (kind)
        {
            case TimerKind.Inactivity:
                // Session::InactivityTimer: at last_time + timeout the connection is gone.
                Remove(slot, RemovalReason.Inactive, at);
                return true;
            case TimerKind.CloseDelete:
                Remove(slot, RemovalReason.Closed, at);
                return true;
            case TimerKind.Attempt:
                c.AttemptDeadline = 0;
                // TCPSessionAdapter::AttemptTimer: not extended by retransmitted SYNs.
                if (c.IsActive && Orig(ref c).State is EndpointState.SynSent or EndpointState.SynAckSent &&
                    Resp(ref c).State == EndpointState.Inactive)
                {
                    Remove(slot, RemovalReason.AttemptTimeout, at);
                    return true;
                }
                break;
            case TimerKind.Expire:
            case TimerKind.Expire2:
                if (kind == TimerKind.Expire) c.ExpireTick = 0; else c.ExpireTick2 = 0;
                ExpireTimerRuns++;
                if (!c.IsActive)
                    break; // ExpireTimer returns without re-arming once the analyzer is done
                bool closing = ExpireStateAllowsRemoval(ref c);
                long idleFrom = Deadline.After(c.TimerLastTime, _linger);
                if (closing && idleFrom < at)
                {
                    Remove(slot, RemovalReason.Expired, at);
                    return true;
                }
                // No packet arrives while timers run, so the ticks up to `quietUntil` would each find the same
                // state, or a connection not yet idle long enough: go straight to the first tick after them.
                // After a jump in network time this is one step instead of one per 6 s missed.
                long quietUntil = closing ? Math.Min(now, idleFrom) : now;
                long next = FirstTickAfter(at, quietUntil);
                if (kind == TimerKind.Expire) c.ExpireTick = next; else c.ExpireTick2 = next;
                break;
        }
        return false;
    }

    /// <summary>The first of the expire timer's ticks (<paramref name="at"/> + k * tcp_session_timer, k &gt;= 1) later than <paramref name="time"/>.</summary>
    private long FirstTickAfter(long at, long time)
    {
        long period = Math.Max(_sessionTimer, 1);
        if (time < at)
            return Deadline.After(at, period);
        long ticks = (time - at) / period + 1;
        return ticks > (Never - at) / period ? Never : at + ticks * period;
    }

    /// <summary>TCPSessionAdapter::ExpireTimer's removal test, less its idle condition: is the connection in a state it removes?</summary>
    private static bool ExpireStateAllowsRemoval(ref Connection c)
    {
        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        if (orig.DidClose || resp.DidClose)
        {
            if ((orig.DidClose && resp.DidClose) ||
                orig.State == EndpointState.Reset || resp.State == EndpointState.Reset ||
                orig.State == EndpointState.Inactive || resp.State == EndpointState.Inactive)
                return true;
        }
        return resp.State == EndpointState.Inactive && orig.State == EndpointState.Inactive;
    }
}
