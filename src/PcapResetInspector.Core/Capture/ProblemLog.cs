using System.Collections;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// The problems of one input, capped so that a file with a warning on every record keeps bounded
/// memory: warnings beyond the cap are only counted, errors (at most one per input, since an error
/// stops reading) are always kept.
/// </summary>
internal sealed class ProblemLog : IReadOnlyList<CaptureProblem>
{
    private readonly List<CaptureProblem> _problems = [];
    private readonly int _maxKept;

    public ProblemLog(int maxKept = CaptureLimits.MaxProblemsKept)
    {
        _maxKept = maxKept;
    }

    /// <summary>Warnings that were not kept because the log was full.</summary>
    public long DroppedWarnings { get; private set; }

    public int Count => _problems.Count;

    public CaptureProblem this[int index] => _problems[index];

    public void Add(CaptureProblem problem)
    {
        if (problem.Severity == ProblemSeverity.Warning && _problems.Count >= _maxKept)
        {
            DroppedWarnings++;
            return;
        }

        _problems.Add(problem);
    }

    public IEnumerator<CaptureProblem> GetEnumerator() => _problems.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
