using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Kernel;

namespace PcapResetInspector.Core.Analysis;

/// <summary>What an <see cref="AnalysisPipeline"/> is built with.</summary>
public sealed class AnalysisPipelineOptions
{
    public ConnectionTrackerOptions Tracker { get; init; } = new();
    public DiagnosisOptions Diagnosis { get; init; } = new();
    /// <summary>Which connections are rows: the flagged ones by default, every one with <see cref="ConnectionSelection.All"/>.</summary>
    public ConnectionSelection Selection { get; init; } = new();
    /// <summary>Exporters of the selected rows, in the order the diagnosis settles them.</summary>
    public IReadOnlyList<IConnectionExporter> Exporters { get; init; } = [];
    /// <summary>
    /// An exporter that takes every connection in the order it leaves the connection table, as Zeek writes
    /// conn.log, instead of the selected rows (whose race losers wait for their race to settle).
    /// </summary>
    public ZeekConnLogWriter? RemovalOrderExporter { get; init; }
    /// <summary>The local kernel's reset events (capture --kernel-reasons), joined to each diagnosis before it is counted or written.</summary>
    public KernelResetBook? KernelResets { get; init; }
    /// <summary>Threads for a run over capture files (<see cref="CaptureAnalyzer.UseThreads"/>); null: as many as help on this machine.</summary>
    public int? Threads { get; init; }

    /// <summary>Flush the exporters after each row (a live capture, whose files must be whole when it is killed).</summary>
    public bool FlushEachRow { get; init; }
}

/// <summary>
/// The one pipeline every command runs: packet source, decoder and connection tracker (<see cref="CaptureAnalyzer"/>),
/// then the race grouping and reset diagnosis (<see cref="RaceGrouper"/>), then the counts and the exporters.
/// It keeps one network clock for the tracker and the diagnosis (<see cref="AdvanceTime"/>) and one order of
/// completion (<see cref="Complete"/>): the table drains, waiting connections are judged, the exporters close.
/// </summary>
public sealed class AnalysisPipeline
{
    private readonly IReadOnlyList<IConnectionExporter> _exporters;
    private bool _inputEnded, _exportsCompleted;

    public AnalysisPipeline(AnalysisPipelineOptions? options = null)
    {
        options ??= new AnalysisPipelineOptions();
        var rows = new SelectedConnectionSink(options.Selection, options.Exporters, options.FlushEachRow);
        rows.Selected += (connection, diagnosis) => Selected?.Invoke(connection, diagnosis);
        IDiagnosisSink settled = new DiagnosisTee(Resets, rows);
        if (options.KernelResets is { } kernel)
            settled = new KernelReasonSink(kernel, settled);
        Diagnosis = new RaceGrouper(settled, options.Diagnosis);
        IConnectionSink[] sinks = options.RemovalOrderExporter is { } inOrder
            ? [Connections, inOrder, Diagnosis]
            : [Connections, Diagnosis];
        Analyzer = new CaptureAnalyzer(new ConnectionTee(sinks), options.Tracker);
        if (options.Threads is { } threads)
            Analyzer.UseThreads(threads);
        _exporters = options.RemovalOrderExporter is { } zeek ? [.. options.Exporters, zeek] : options.Exporters;
    }

    public CaptureAnalyzer Analyzer { get; }
    public ConnectionTracker Tracker => Analyzer.Tracker;
    public CaptureStatistics Statistics => Analyzer.Statistics;
    /// <summary>The race grouping and diagnosis stage, with its host-level findings.</summary>
    public RaceGrouper Diagnosis { get; }
    public ResetStatistics Resets { get; } = new();
    public ConnectionCounter Connections { get; } = new();

    /// <summary>Each selected row, after the exporters have written it.</summary>
    public event Action<ConnectionSummary, ResetDiagnosis?>? Selected;

    /// <summary>Reads a source to its end (several sources in turn form one timeline).</summary>
    /// <returns>False if cancellation stopped the read.</returns>
    public bool Run(IPacketSource source, CancellationToken cancellation = default) => Analyzer.Run(source, cancellation);

    /// <summary>One frame, on the calling thread (live capture, the pull reader).</summary>
    public void Process(in PacketRecord packet) => Analyzer.Process(in packet);

    /// <summary>
    /// Moves network time on without a packet (a quiet interface), for the tracker's timers and then for the
    /// diagnosis, so that nothing the tracker has yet to release can be older than what the diagnosis settles.
    /// </summary>
    public void AdvanceTime(long nowNanos)
    {
        Tracker.AdvanceTime(nowNanos);
        Diagnosis.AdvanceTime(nowNanos);
    }

    /// <summary>End of input: drains the connection table, judges every waiting connection, then completes the exporters.</summary>
    public void Complete()
    {
        EndOfInput();
        CompleteExports();
    }

    /// <summary>
    /// The first half of <see cref="Complete"/>: the table drains and every waiting connection is judged, so the
    /// counts and findings are final. Commands that report write errors of the exports apart call the halves
    /// themselves. Once only.
    /// </summary>
    public void EndOfInput()
    {
        if (_inputEnded)
            return;
        _inputEnded = true;
        Analyzer.Finish();
        Diagnosis.Complete();
    }

    /// <summary>The second half of <see cref="Complete"/>: each exporter writes its end (Zeek's #close) at network time. Once only.</summary>
    public void CompleteExports()
    {
        EndOfInput();
        if (_exportsCompleted)
            return;
        _exportsCompleted = true;
        foreach (IConnectionExporter exporter in _exporters)
            exporter.Complete(Statistics.LastTimestamp);
    }
}
