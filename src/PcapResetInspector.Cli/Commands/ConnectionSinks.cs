using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The listed rows as the report needs them: kept one by one (up to a cap, so that memory stays
/// bounded on huge captures) for --list all, or counted into groups.
/// </summary>
public sealed class ReportRows : IConnectionExporter
{
    public const int MaxKept = 10_000;
    private readonly int _maxKept;

    /// <param name="maxKept">How many rows to keep for listing one by one: 0 when the report will not list
    /// them so (an export is the output, or they are grouped), so a flood's connections are not held for nothing.</param>
    /// <param name="groups">Where the rows are grouped, when the report shows them in groups.</param>
    public ReportRows(int maxKept = MaxKept, ConnectionGroups? groups = null)
    {
        _maxKept = maxKept;
        Groups = groups;
    }

    /// <summary>
    /// The rows the report needs: none beside an export, each one for --list all, else their groups, and
    /// as many rows as the groups' examples could show, to list them in full when grouping would hide nothing.
    /// </summary>
    public static ReportRows For(bool isExport, ReportListing listing) =>
        isExport ? new ReportRows(0)
        : listing.Every ? new ReportRows(MaxKept)
        : new ReportRows((int)Math.Min(MaxKept, (long)listing.Top * listing.Examples), new ConnectionGroups(listing.Examples));

    /// <summary>Whether the report shows the rows in groups rather than one by one.</summary>
    public bool ShownInGroups(ReportListing listing) =>
        Groups is { } groups && !(NotKept == 0 && groups.ExamplesShowEveryConnection(listing.Top));

    public ConnectionGroups? Groups { get; }

    public List<(ConnectionSummary Connection, ResetDiagnosis? Diagnosis)> Kept { get; } = [];
    public long Total { get; private set; }
    public long NotKept => Total - Kept.Count;

    /// <summary>Selected connections that belong to a host-level finding: the report shows the finding, not them.</summary>
    public long FindingMembers { get; private set; }

    /// <summary>The report is one more exporter of the pipeline's rows: it keeps or groups them rather than writing them.</summary>
    void IConnectionExporter.Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty) => Add(connection, diagnosis);

    void IConnectionExporter.Flush()
    {
    }

    void IConnectionExporter.Complete(long closeTime)
    {
    }

    public void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        if (diagnosis?.HostFinding is not null)
        {
            FindingMembers++;
            return;
        }
        Total++;
        Groups?.Add(connection, diagnosis);
        if (Kept.Count < _maxKept)
            Kept.Add((connection, diagnosis));
    }
}
