using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>Receives diagnoses as the race grouping releases them (not in connection order: race losers wait for their winners).</summary>
public interface IDiagnosisSink
{
    void Add(ResetDiagnosis diagnosis);

    /// <summary>
    /// A connection with nothing to explain (no RST, not a race loser), released in the same order as
    /// the diagnoses, so that an exporter of every connection lists each exactly once.
    /// </summary>
    /// <remarks>The record is valid only during the call: a sink that lists the connection takes its <see cref="ConnectionRecord.Summary"/>.</remarks>
    void AddUndiagnosed(in ConnectionRecord connection, ResetParty clientParty)
    {
    }
}

/// <summary>Collects diagnoses in a list (tests, small captures, reports written at the end).</summary>
public sealed class DiagnosisList : IDiagnosisSink
{
    public List<ResetDiagnosis> Diagnoses { get; } = [];

    public void Add(ResetDiagnosis diagnosis) => Diagnoses.Add(diagnosis);
}

/// <summary>Hands each diagnosis to several sinks in turn (e.g. an exporter and <see cref="ResetStatistics"/>).</summary>
public sealed class DiagnosisTee(params IDiagnosisSink[] sinks) : IDiagnosisSink
{
    private readonly IDiagnosisSink[] _sinks = sinks;

    public void Add(ResetDiagnosis diagnosis)
    {
        foreach (IDiagnosisSink sink in _sinks)
            sink.Add(diagnosis);
    }

    public void AddUndiagnosed(in ConnectionRecord connection, ResetParty clientParty)
    {
        foreach (IDiagnosisSink sink in _sinks)
            sink.AddUndiagnosed(in connection, clientParty);
    }
}
