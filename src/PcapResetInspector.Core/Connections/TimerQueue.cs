namespace PcapResetInspector.Core.Connections;

/// <summary>One queued deadline: the connection's slot, the slot generation it was queued for, and when it is due.</summary>
internal readonly record struct TimerEntry(int Slot, int Generation, long Due);

/// <summary>
/// The connection tracker's timer queue: a min-heap of deadlines with four children per node. It orders entries
/// exactly as PriorityQueue&lt;T, long&gt; does (same arity, same sift rules), so connections whose timers
/// fall due together still leave the table in the same order. It is this assembly's own type because
/// ReadyToRun cannot precompile the framework's generic collections over this assembly's structs, and
/// the queue is touched for most packets.
/// </summary>
internal sealed class TimerQueue
{
    private const int Log2Arity = 2;
    private TimerEntry[] _nodes = new TimerEntry[256];
    private int _count;

    public int Count => _count;

    /// <summary>The entries in heap order, not in due order (for compaction).</summary>
    public ReadOnlySpan<TimerEntry> UnorderedEntries => _nodes.AsSpan(0, _count);

    public void Enqueue(TimerEntry entry)
    {
        if (_count == _nodes.Length)
            Array.Resize(ref _nodes, _nodes.Length * 2);
        int index = _count++;
        MoveUp(entry, index);
    }

    public bool TryPeek(out TimerEntry entry)
    {
        if (_count == 0)
        {
            entry = default;
            return false;
        }
        entry = _nodes[0];
        return true;
    }

    public void Dequeue()
    {
        int last = --_count;
        if (last > 0)
            MoveDown(_nodes[last], 0);
        _nodes[last] = default;
    }

    public void Clear()
    {
        Array.Clear(_nodes, 0, _count);
        _count = 0;
    }

    private void MoveUp(TimerEntry node, int index)
    {
        TimerEntry[] nodes = _nodes;
        while (index > 0)
        {
            int parentIndex = (index - 1) >> Log2Arity;
            TimerEntry parent = nodes[parentIndex];
            if (node.Due >= parent.Due)
                break;
            nodes[index] = parent;
            index = parentIndex;
        }
        nodes[index] = node;
    }

    private void MoveDown(TimerEntry node, int index)
    {
        TimerEntry[] nodes = _nodes;
        int size = _count;
        int firstChild;
        while ((firstChild = (index << Log2Arity) + 1) < size)
        {
            // The first of the smallest children wins ties, as in PriorityQueue.
            TimerEntry minChild = nodes[firstChild];
            int minChildIndex = firstChild;
            int childEnd = Math.Min(firstChild + (1 << Log2Arity), size);
            for (int child = firstChild + 1; child < childEnd; child++)
            {
                if (nodes[child].Due < minChild.Due)
                {
                    minChild = nodes[child];
                    minChildIndex = child;
                }
            }

            if (node.Due <= minChild.Due)
                break;
            nodes[index] = minChild;
            index = minChildIndex;
        }
        nodes[index] = node;
    }
}
