namespace PcapResetInspector.Core.Capture;

/// <summary>Where a reader reports its problems, and how it names offsets in messages.</summary>
internal sealed class ReadContext
{
    public ReadContext(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>True when offsets count bytes of decompressed data, not of the file.</summary>
    public bool Decompressed { get; set; }

    public ProblemLog Log { get; } = new();

    public CaptureProblem? StopProblem { get; private set; }

    /// <summary>"offset N" or "decompressed offset N", for messages.</summary>
    public string At(long offset) => (Decompressed ? "decompressed offset " : "offset ") + offset.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Warn(CaptureProblemKind kind, long offset, string message) =>
        Log.Add(new CaptureProblem(Name, offset, kind, ProblemSeverity.Warning, message));

    /// <summary>Records why reading stopped; the reader returns false from then on.</summary>
    public void Stop(CaptureProblemKind kind, ProblemSeverity severity, long offset, string message)
    {
        var problem = new CaptureProblem(Name, offset, kind, severity, message);
        Log.Add(problem);
        StopProblem = problem;
    }
}
