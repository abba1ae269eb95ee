namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Runs several step sequences side by side inside one script: each starts at its own offset, and
/// their packets come out in time order (ties to the sequence listed first). A sequence's next step
/// is made only after its previous one was written, as in a script of its own, so the sequences
/// must not depend on one another's unwritten packets: give each its own connections.
/// </summary>
internal static class StepMerge
{
    public static IEnumerable<Step> Merge(IReadOnlyList<(IEnumerable<Step> Steps, long Start)> parts)
    {
        var queue = new PriorityQueue<IEnumerator<Step>, (long Time, int Part)>();
        var open = new List<IEnumerator<Step>>(parts.Count);
        try
        {
            for (int i = 0; i < parts.Count; i++)
            {
                IEnumerator<Step> steps = parts[i].Steps.GetEnumerator();
                open.Add(steps);
                if (steps.MoveNext())
                    queue.Enqueue(steps, (parts[i].Start + steps.Current.Delay, i));
            }

            long now = 0;
            while (queue.TryDequeue(out IEnumerator<Step>? steps, out (long Time, int Part) next))
            {
                Step step = steps.Current;
                step.Delay = Math.Max(0, next.Time - now);
                now = Math.Max(now, next.Time);
                yield return step;
                if (steps.MoveNext())
                    queue.Enqueue(steps, (now + steps.Current.Delay, next.Part));
            }
        }
        finally
        {
            foreach (IEnumerator<Step> steps in open)
                steps.Dispose();
        }
    }
}
