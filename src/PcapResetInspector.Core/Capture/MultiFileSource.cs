using System.Collections;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Several captures read one after the other as one timeline, such as the rotated files of
/// tcpdump -C or -G, given in the order to read them. Each is opened only when the one before it is
/// done. A file that fails (cannot be opened, or stops on an error) is reported and reading goes on with
/// the next one.
/// </summary>
public sealed class MultiFileSource : IPacketSource
{
    private readonly IReadOnlyList<string> paths;
    private readonly Func<string, IPacketSource> open;
    private readonly ProblemLog finishedProblems;
    private readonly CombinedProblems problems;
    private IPacketSource? current;
    private int nextIndex;
    private long packetsOfFinishedFiles;
    private CaptureProblem? lastStopProblem;

    /// <summary>Reads the files at <paramref name="paths"/> with <see cref="CaptureFile.Open(string)"/>.</summary>
    public MultiFileSource(IEnumerable<string> paths)
        : this(paths, CaptureFile.Open)
    {
    }

    /// <param name="paths">Inputs in reading order.</param>
    /// <param name="open">
    /// Opens one input (the CLI can map "-" to standard input here). What it throws for a file that cannot be
    /// opened (FileNotFoundException, UnauthorizedAccessException, IOException) is reported as an IoError.
    /// </param>
    public MultiFileSource(IEnumerable<string> paths, Func<string, IPacketSource> open)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(open);
        this.paths = [.. paths];
        this.open = open;

        // Each file keeps its own capped list; this bound keeps hundreds of rotated files bounded too.
        finishedProblems = new ProblemLog(CaptureLimits.MaxProblemsKept * 10);
        problems = new CombinedProblems(this);
    }

    /// <summary>The input being read (or, once all are done, the last one); empty for an empty list.</summary>
    public string Name => current?.Name ?? (nextIndex > 0 ? paths[nextIndex - 1] : paths.Count > 0 ? paths[0] : "");

    /// <summary>How many inputs there are.</summary>
    public int FileCount => paths.Count;

    /// <summary>Index in the list of the input being read (or last read); -1 before the first read.</summary>
    public int FileIndex => nextIndex - 1;

    /// <summary>The last problem that stopped an input early (the current one's if it has one).</summary>
    public CaptureProblem? StopProblem => current?.StopProblem ?? lastStopProblem;

    /// <summary>The problems of every input read so far, in order.</summary>
    public IReadOnlyList<CaptureProblem> Problems => problems;

    public long PacketsRead => packetsOfFinishedFiles + (current?.PacketsRead ?? 0);

    public bool TryReadNext(out PacketRecord packet)
    {
        while (true)
        {
            if (current is null)
            {
                if (nextIndex >= paths.Count)
                {
                    packet = default;
                    return false;
                }

                OpenNext();
                continue;
            }

            if (current.TryReadNext(out packet))
            {
                return true;
            }

            FinishCurrent();
        }
    }

    private void OpenNext()
    {
        string path = paths[nextIndex++];
        try
        {
            current = open(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var problem = new CaptureProblem(path, 0, CaptureProblemKind.IoError, ProblemSeverity.Error,
                $"cannot open: {exception.Message}");
            finishedProblems.Add(problem);
            lastStopProblem = problem;
        }
    }

    private void FinishCurrent()
    {
        IPacketSource finished = current!;
        current = null;
        foreach (CaptureProblem problem in finished.Problems)
        {
            finishedProblems.Add(problem);
        }

        lastStopProblem = finished.StopProblem ?? lastStopProblem;
        packetsOfFinishedFiles += finished.PacketsRead;
        finished.Dispose();
    }

    public void Dispose()
    {
        current?.Dispose();
        current = null;
        nextIndex = paths.Count;
    }

    /// <summary>The finished inputs' problems followed by the current input's, without copying.</summary>
    private sealed class CombinedProblems(MultiFileSource owner) : IReadOnlyList<CaptureProblem>
    {
        public int Count => owner.finishedProblems.Count + (owner.current?.Problems.Count ?? 0);

        public CaptureProblem this[int index]
        {
            get
            {
                int finishedCount = owner.finishedProblems.Count;
                if (index < finishedCount)
                {
                    return owner.finishedProblems[index];
                }

                if (owner.current is null)
                {
                    throw new ArgumentOutOfRangeException(nameof(index));
                }

                return owner.current.Problems[index - finishedCount];
            }
        }

        public IEnumerator<CaptureProblem> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
