namespace PcapResetInspector.Core.Connections;

/// <summary>Content gaps (G/g, missed_bytes): the ranges sent and not yet acknowledged, kept in a shared pool.</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- content gaps (G/g, missed_bytes)

    /// <summary>Records that <paramref name="ep"/> sent [seq, seq+len) (TCP_Reassembler::DataSent, ranges only).</summary>
    private void DataSent(ref TcpEndpoint ep, ulong seq, int len)
    {
        ulong upper = seq + (ulong)len;
        ulong acked = ep.ToRelativeSeqSpace(ep.AckSeq, ep.AckWraps);
        if (seq < acked)
        {
            if (upper <= acked)
                return; // already delivered and acknowledged
            seq = acked;
        }
        if (upper <= ep.TrimmedUpTo || upper <= ep.ReassembledUpTo)
            return;

        if (seq <= ep.ReassembledUpTo)
        {
            ep.ReassembledUpTo = upper;
            DeliverPending(ref ep);
            return;
        }
        AddPending(ref ep, seq, upper);
    }

    private void AddPending(ref TcpEndpoint ep, ulong start, ulong end)
    {
        Span<SequenceRange> ranges = TakePendingBlock(ref ep);
        // Merge with an overlapping or touching range.
        for (int i = 0; i < ep.PendingCount; i++)
        {
            if (start <= ranges[i].End && end >= ranges[i].Start)
            {
                ranges[i].Start = Math.Min(ranges[i].Start, start);
                ranges[i].End = Math.Max(ranges[i].End, end);
                return;
            }
        }
        if (ep.PendingCount == ranges.Length)
        {
            // Full: widen the last range. Only the ranges' outer edges matter for gap accounting.
            ranges[^1].End = Math.Max(ranges[^1].End, end);
            ranges[^1].Start = Math.Min(ranges[^1].Start, start);
            return;
        }
        int at = ep.PendingCount++;
        while (at > 0 && ranges[at - 1].Start > start)
        {
            ranges[at] = ranges[at - 1];
            at--;
        }
        ranges[at].Start = start;
        ranges[at].End = end;
    }

    private void DeliverPending(ref TcpEndpoint ep)
    {
        Span<SequenceRange> ranges = PendingOf(ref ep);
        int consumed = 0;
        while (consumed < ep.PendingCount && ranges[consumed].Start <= ep.ReassembledUpTo)
        {
            if (ranges[consumed].End > ep.ReassembledUpTo)
                ep.ReassembledUpTo = ranges[consumed].End;
            consumed++;
        }
        RemoveFirstPending(ref ep, consumed);
    }

    private void RemoveFirstPending(ref TcpEndpoint ep, int count)
    {
        if (count == 0)
            return;
        Span<SequenceRange> ranges = PendingOf(ref ep);
        for (int i = count; i < ep.PendingCount; i++)
            ranges[i - count] = ranges[i];
        ep.PendingCount -= count;
        if (ep.PendingCount == 0)
            ReleasePendingBlock(ref ep);
    }

    // ---------------------------------------------------------------- the pool of pending ranges

    private PendingRanges[] _pendingBlocks = new PendingRanges[64];
    private int[] _freePendingBlocks = new int[64];
    private int _freePendingCount;
    private int _pendingHighWater;

    /// <summary>The endpoint's pending ranges (empty if it has no block). Valid until a block is next taken.</summary>
    private Span<SequenceRange> PendingOf(ref TcpEndpoint ep) =>
        ep.PendingBlock == 0 ? Span<SequenceRange>.Empty : _pendingBlocks[ep.PendingBlock - 1];

    private Span<SequenceRange> TakePendingBlock(ref TcpEndpoint ep)
    {
        if (ep.PendingBlock == 0)
        {
            int block;
            if (_freePendingCount > 0)
            {
                block = _freePendingBlocks[--_freePendingCount];
            }
            else
            {
                block = _pendingHighWater++;
                if (block == _pendingBlocks.Length)
                    Array.Resize(ref _pendingBlocks, _pendingBlocks.Length * 2);
            }
            ep.PendingBlock = block + 1;
        }
        return _pendingBlocks[ep.PendingBlock - 1];
    }

    private void ReleasePendingBlock(ref TcpEndpoint ep)
    {
        if (ep.PendingBlock == 0)
            return;
        if (_freePendingCount == _freePendingBlocks.Length)
            Array.Resize(ref _freePendingBlocks, _freePendingBlocks.Length * 2);
        _freePendingBlocks[_freePendingCount++] = ep.PendingBlock - 1;
        ep.PendingBlock = 0;
        ep.PendingCount = 0;
    }

    /// <summary>
    /// The peer acknowledged <paramref name="ep"/>'s data up to <paramref name="seq"/>: whatever was
    /// acknowledged but never seen is a content gap (TCP_Reassembler::AckReceived / Undelivered / Gap).
    /// </summary>
    private void AckReceived(ref Connection c, ref TcpEndpoint ep, bool epIsA, ulong seq)
    {
        if (ep.FinCount > 0 && seq >= ep.FinSeq)
            seq = ep.FinSeq - 1; // the FIN octet is not data
        if (seq <= ep.TrimmedUpTo)
            return;
        ep.TrimmedUpTo = seq;
        if (seq <= ep.ReassembledUpTo)
            return;

        // Undelivered(): partial connections fake their first octet; ignore complaints about it.
        if (seq <= 2 && c.IsPartial)
            return;

        ref TcpEndpoint peer = ref epIsA ? ref c.B : ref c.A;
        Span<SequenceRange> ranges = PendingOf(ref ep);
        int consumed = 0;
        while (consumed < ep.PendingCount && ranges[consumed].Start < seq)
        {
            if (ranges[consumed].Start > ep.ReassembledUpTo)
                Gap(ref c, ref ep, ref peer, epIsA, ranges[consumed].Start - ep.ReassembledUpTo);
            if (ranges[consumed].End > ep.ReassembledUpTo)
                ep.ReassembledUpTo = ranges[consumed].End;
            consumed++;
        }
        RemoveFirstPending(ref ep, consumed);
        if (seq > ep.ReassembledUpTo)
        {
            Gap(ref c, ref ep, ref peer, epIsA, seq - ep.ReassembledUpTo);
            ep.ReassembledUpTo = seq;
        }
    }

    private static bool IsClean(ref TcpEndpoint e) =>
        e.State == EndpointState.Established ||
        (e.State == EndpointState.Closed && e.PreviousState == EndpointState.Established);

    private static void Gap(ref Connection c, ref TcpEndpoint ep, ref TcpEndpoint peer, bool epIsA, ulong length)
    {
        // Gaps count only while both sides are established or closing cleanly from there.
        if (!IsClean(ref ep) || !IsClean(ref peer))
            return;
        ScaledHistoryEntry(ref c, epIsA, 'G', ref ep.GapCount, ref ep.GapThreshold);
        c.MissedBytes += length;
    }
}
