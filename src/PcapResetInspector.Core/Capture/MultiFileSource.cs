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
    private readonly IReadOnlyList<string> _paths;
    private readonly Func<string, IPacketSource> _open;
    private readonly ProblemLog _finishedProblems;
    private readonly CombinedProblems _problems;
    private IPacketSource? _current;
    private int _nextIndex;
    private long _packetsOfFinishedFiles;
    private CaptureProblem? _lastStopProblem;

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
        _paths = [.. paths];
        _open = open;

        // Each file keeps its own capped list; this bound keeps hundreds of rotated files bounded too.
        _finishedProblems = new ProblemLog(CaptureLimits.MaxProblemsKept * 10);
        _problems = new CombinedProblems(this);
    }

    /// <summary>The input being read (or, once all are done, the last one); empty for an empty list.</summary>
    public string Name => _current?.Name ?? (_nextIndex > 0 ? _paths[_nextIndex - 1] : _paths.Count > 0 ? _paths[0] : "");

    /// <summary>How many inputs there are.</summary>
    public int FileCount => _paths.Count;

    /// <summary>Index in the list of the input being read (or last read); -1 before the first read.</summary>
    public int FileIndex => _nextIndex - 1;

    /// <summary>The last problem that stopped an input early (the current one's if it has one).</summary>
    public CaptureProblem? StopProblem => _current?.StopProblem ?? _lastStopProblem;

    /// <summary>The problems of every input read so far, in order.</summary>
    public IReadOnlyList<CaptureProblem> Problems => _problems;

    public long PacketsRead => _packetsOfFinishedFiles + (_current?.PacketsRead ?? 0);

    public bool TryReadNext(out PacketRecord packet)
    {
        while (true)
        {
            if (_current is null)
            {
                if (_nextIndex >= _paths.Count)
                {
                    packet = default;
                    return false;
                }

                OpenNext();
                continue;
            }

            if (_current.TryReadNext(out packet))
            {
                return true;
            }

            FinishCurrent();
        }
    }

    private void OpenNext()
    {
        string path = _paths[_nextIndex++];
        try
        {
            _current = _open(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var problem = new CaptureProblem(path, 0, CaptureProblemKind.IoError, ProblemSeverity.Error,
                $"cannot open: {exception.Message}");
            _finishedProblems.Add(problem);
            _lastStopProblem = problem;
        }
    }

    private void FinishCurrent()
    {
        IPacketSource finished = _current!;
        _current = null;
        foreach (CaptureProblem problem in finished.Problems)
        {
            _finishedProblems.Add(problem);
        }

        _lastStopProblem = finished.StopProblem ?? _lastStopProblem;
        _packetsOfFinishedFiles += finished.PacketsRead;
        finished.Dispose();
    }

    public void Dispose()
    {
        _current?.Dispose();
        _current = null;
        _nextIndex = _paths.Count;
    }

    /// <summary>The finished inputs' problems followed by the current input's, without copying.</summary>
    private sealed class CombinedProblems(MultiFileSource owner) : IReadOnlyList<CaptureProblem>
    {
        public int Count => owner._finishedProblems.Count + (owner._current?.Problems.Count ?? 0);

        public CaptureProblem this[int index]
        {
            get
            {
                int finishedCount = owner._finishedProblems.Count;
                if (index < finishedCount)
                {
                    return owner._finishedProblems[index];
                }

                if (owner._current is null)
                {
                    throw new ArgumentOutOfRangeException(nameof(index));
                }

                return owner._current.Problems[index - finishedCount];
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
