using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Flows;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Counts every connection by conn_state and whether it saw a RST.</summary>
public sealed class ConnectionCounter : IConnectionSink
{
    public long Total { get; private set; }
    public long SawRst { get; private set; }
    public Dictionary<string, long> ByConnState { get; } = new(StringComparer.Ordinal);

    public void Add(in ConnectionRecord connection)
    {
        Total++;
        if (connection.SawRst)
            SawRst++;
        ByConnState[connection.ConnState] = ByConnState.GetValueOrDefault(connection.ConnState) + 1;
    }
}

/// <summary>The listed rows kept for the report, up to a cap so that memory stays bounded on huge captures.</summary>
public sealed class ReportRows
{
    public const int MaxKept = 10_000;
    private readonly int _maxKept;

    /// <param name="maxKept">How many rows to keep for listing: 0 when the report will not list them (an
    /// export is the output), so a flood's connections are not held for nothing.</param>
    public ReportRows(int maxKept = MaxKept) => _maxKept = maxKept;

    public List<(ConnectionSummary Connection, ResetDiagnosis? Diagnosis)> Kept { get; } = [];
    public long Total { get; private set; }
    public long NotKept => Total - Kept.Count;

    /// <summary>Selected connections that belong to a host-level finding: the report shows the finding, not them.</summary>
    public long FindingMembers { get; private set; }

    public void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        if (diagnosis?.HostFinding is not null)
        {
            FindingMembers++;
            return;
        }
        Total++;
        if (Kept.Count < _maxKept)
            Kept.Add((connection, diagnosis));
    }
}
