using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Which connections an output lists: the flagged ones (those with a diagnosis), or every one with
/// <see cref="All"/>, narrowed by verdict and cause. A verdict or cause filter selects diagnoses
/// only, so with it <see cref="All"/> adds nothing: an undiagnosed connection has neither.
/// </summary>
public sealed class ConnectionSelection
{
    public bool All { get; init; }

    /// <summary>Verdicts to keep; empty keeps every verdict.</summary>
    public IReadOnlySet<Verdict> Verdicts { get; init; } = new HashSet<Verdict>();

    /// <summary>Causes to keep; empty keeps every cause.</summary>
    public IReadOnlySet<ResetCause> Causes { get; init; } = new HashSet<ResetCause>();

    /// <summary>
    /// Addresses whose undiagnosed connections are selected as well (either end), without <see cref="All"/>:
    /// the peers a log names, whose connections that were not reset still tell where a line belongs.
    /// </summary>
    public IReadOnlySet<IpAddress128>? AlsoUndiagnosedOf { get; init; }

    /// <summary>Server ports whose undiagnosed connections are selected as well, without <see cref="All"/>.</summary>
    public IReadOnlySet<ushort>? AlsoUndiagnosedOnPorts { get; init; }

    public bool HasFilter => Verdicts.Count > 0 || Causes.Count > 0;

    /// <summary>Whether an undiagnosed connection is a row.</summary>
    public bool SelectsUndiagnosed(in ConnectionRoles roles) =>
        Selects(null) ||
        (AlsoUndiagnosedOf is { } peers && (peers.Contains(roles.Originator.Address) || peers.Contains(roles.Responder.Address))) ||
        (AlsoUndiagnosedOnPorts is { } ports && ports.Contains(roles.Server.Port));

    public bool Selects(ResetDiagnosis? diagnosis)
    {
        if (diagnosis is null)
            return All && !HasFilter;
        return (Verdicts.Count == 0 || Verdicts.Contains(diagnosis.Verdict)) &&
               (Causes.Count == 0 || Causes.Contains(diagnosis.Cause));
    }
}

/// <summary>
/// The end of the pipeline for outputs: receives every connection once (diagnosed or not) from the
/// race grouping, keeps those the selection wants, and hands them to the exporters and to whoever
/// else listens (the terminal report, the flagged-packet extractor).
/// </summary>
public sealed class SelectedConnectionSink : IDiagnosisSink
{
    private readonly ConnectionSelection _selection;
    private readonly IReadOnlyList<IConnectionExporter> _exporters;
    private readonly bool _flushEachRow;

    public SelectedConnectionSink(ConnectionSelection selection, IReadOnlyList<IConnectionExporter> exporters, bool flushEachRow = false)
    {
        _selection = selection;
        _exporters = exporters;
        _flushEachRow = flushEachRow;
    }

    /// <summary>Called for each selected row after the exporters have it.</summary>
    public event Action<ConnectionSummary, ResetDiagnosis?>? Selected;

    public long RowsSelected { get; private set; }

    public void Add(ResetDiagnosis diagnosis)
    {
        if (_selection.Selects(diagnosis))
            Emit(diagnosis.Connection, diagnosis, diagnosis.ClientParty);
    }

    public void AddUndiagnosed(in ConnectionRecord connection, ResetParty clientParty)
    {
        if (_selection.SelectsUndiagnosed(in connection.Roles))
            Emit(connection.Summary, null, clientParty);
    }

    private void Emit(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty)
    {
        RowsSelected++;
        // Indexed, not foreach: the list's enumerator is boxed, an object per row.
        for (int i = 0; i < _exporters.Count; i++)
        {
            IConnectionExporter exporter = _exporters[i];
            exporter.Write(connection, diagnosis, clientParty);
            if (_flushEachRow)
                exporter.Flush();
        }
        Selected?.Invoke(connection, diagnosis);
    }
}
