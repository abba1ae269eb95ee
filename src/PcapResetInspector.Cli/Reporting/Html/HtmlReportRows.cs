using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>One flagged connection as the page's table shows it: text made once, when the row is kept.</summary>
public sealed record HtmlRow(
    string Uid, long StartTime, long ResetTime, string Client, string Server, string ConnState, string History,
    string ResetBy, string Stage, ResetCause Cause, Verdict Verdict, DiagnosisConfidence Confidence,
    string Evidence, string LogHint, string WiresharkFilter, string Finding, int? RaceGroup, string KernelReason = "");

/// <summary>A race group as the page lists it: the loser (or losers) and the sibling that carried on.</summary>
public sealed class HtmlRaceGroup(int id, RaceKind kind, string client, string server, long time)
{
    public int Id { get; } = id;
    public RaceKind Kind { get; } = kind;
    public string Client { get; } = client;
    public string Server { get; } = server;
    public long Time { get; private set; } = time;
    public string? Winner { get; set; }
    public List<string> Losers { get; } = [];
    public List<string> Details { get; } = [];

    internal void Seen(long time) => Time = Math.Min(Time, time);
}

/// <summary>
/// What the HTML report needs of the pipeline's rows, in bounded memory: counts per time bucket for the
/// chart (all rows), the most serious rows up to a cap for the table, and the first race groups. A flood
/// of half a million rows costs a few megabytes here; the exports are where every row is.
/// </summary>
public sealed class HtmlReportRows : IConnectionExporter
{
    public const int DefaultMaxRows = 20_000;
    public const int MaxRaceGroups = 1_000;

    // The root is the least serious row kept: the one a more serious newcomer replaces.
    private readonly PriorityQueue<HtmlRow, RowRank> _kept = new(Comparer<RowRank>.Create((a, b) => b.CompareTo(a)));
    private readonly Dictionary<int, HtmlRaceGroup> _raceGroups = [];

    public HtmlReportRows(int maxRows = DefaultMaxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        MaxRows = maxRows;
    }

    public int MaxRows { get; }

    public TimelineCounts Timeline { get; } = new();

    /// <summary>Flagged rows seen (finding members included).</summary>
    public long Flagged { get; private set; }

    /// <summary>Rows without a diagnosis (--all): in the exports only.</summary>
    public long NotFlagged { get; private set; }

    /// <summary>Flagged rows that belong to a host-level finding.</summary>
    public long FindingMembers { get; private set; }

    /// <summary>Race groups seen beyond <see cref="MaxRaceGroups"/>: counted, not listed.</summary>
    public long RaceGroupsNotKept { get; private set; }

    public long Omitted => Flagged - _kept.Count;

    /// <summary>Whether a kept row carries the kernel's reason (capture --kernel-reasons): the table then shows it as a column.</summary>
    public bool HasKernelReasons => _kept.UnorderedItems.Any(item => item.Element.KernelReason.Length > 0);

    /// <summary>The kept rows, most serious first: suspicious, actionable, benign, each by time; finding members after the rest.</summary>
    public IReadOnlyList<HtmlRow> Rows()
    {
        var rows = new List<(HtmlRow Row, RowRank Rank)>(_kept.Count);
        foreach (var (row, rank) in _kept.UnorderedItems)
            rows.Add((row, rank));
        rows.Sort((a, b) => a.Rank.CompareTo(b.Rank));
        return rows.ConvertAll(r => r.Row);
    }

    public IReadOnlyList<HtmlRaceGroup> RaceGroups() => _raceGroups.Values.OrderBy(g => g.Time).ThenBy(g => g.Id).ToList();

    void IConnectionExporter.Write(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty) => Add(connection, diagnosis);

    void IConnectionExporter.Flush()
    {
    }

    void IConnectionExporter.Complete(long closeTime)
    {
    }

    public void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        if (diagnosis is null)
        {
            NotFlagged++;
            return;
        }
        Flagged++;
        long time = diagnosis.ResetTime != 0 ? diagnosis.ResetTime : connection.StartTime;
        Timeline.Add(time, diagnosis.Cause, diagnosis.Verdict);
        bool member = diagnosis.HostFinding is not null;
        if (member)
            FindingMembers++;
        if (diagnosis.RaceGroupId is { } group)
            AddRace(group, diagnosis, time);

        // The rank is compared before any text is made: most rows of a flood are turned away for free.
        var rank = new RowRank(member ? 1 : 0, ConnectionGroups.Severity(diagnosis.Verdict), time, connection.Ordinal);
        if (_kept.Count < MaxRows)
            _kept.Enqueue(MakeRow(connection, diagnosis), rank);
        else if (MaxRows > 0 && _kept.TryPeek(out _, out RowRank least) && rank.CompareTo(least) < 0)
            _kept.EnqueueDequeue(MakeRow(connection, diagnosis), rank);
    }

    private void AddRace(int id, ResetDiagnosis d, long time)
    {
        if (!_raceGroups.TryGetValue(id, out HtmlRaceGroup? group))
        {
            if (_raceGroups.Count >= MaxRaceGroups)
            {
                RaceGroupsNotKept++;
                return;
            }
            group = new HtmlRaceGroup(id, d.RaceKind ?? RaceKind.ParallelConnect,
                Core.Net.IpAddress128.Format(d.Client.Address), Core.Net.IpAddress128.Format(d.Server.Address), time);
            _raceGroups.Add(id, group);
        }
        group.Seen(time);
        group.Winner ??= d.SiblingUid;
        group.Losers.Add($"{d.Uid} (port {d.Server.Port})");
        string variant = d.RaceVariant is { } v ? $"variant {v}, " : "";
        string gaps = d.RaceGaps is { } g
            ? $"SYN to SYN {g.SynToSynMilliseconds:0.###} ms" + (g.SynToResetMilliseconds is { } r ? $", SYN to RST {r:0.###} ms" : "")
            : "";
        group.Details.Add((variant + gaps).TrimEnd(',', ' '));
    }

    private static HtmlRow MakeRow(ConnectionSummary c, ResetDiagnosis d)
    {
        string resetBy = d.ResetByRole is { } role && d.ResetBy is { } party ? $"{role.ToKebabCase()} ({party.ToZeekName()})" : "no RST";
        return new HtmlRow(
            c.Uid, c.StartTime, d.ResetTime, ConnectionText.Endpoint(d.Client.Address, d.Client.Port),
            ConnectionText.Endpoint(d.Server.Address, d.Server.Port), c.ConnState, c.History, resetBy,
            d.Stage?.ToKebabCase() ?? "", d.Cause, d.Verdict, d.Confidence, d.Evidence, d.LogHint,
            ConnectionText.WiresharkFilter(c), d.FindingId ?? "", d.RaceGroupId, d.Kernel?.Reason ?? "");
    }

    /// <summary>Lower is more serious: not in a finding, then the verdict, then the earlier.</summary>
    private readonly record struct RowRank(int Member, int Severity, long Time, long Ordinal) : IComparable<RowRank>
    {
        public int CompareTo(RowRank other)
        {
            int c = Member.CompareTo(other.Member);
            if (c == 0)
                c = Severity.CompareTo(other.Severity);
            if (c == 0)
                c = Time.CompareTo(other.Time);
            return c != 0 ? c : Ordinal.CompareTo(other.Ordinal);
        }
    }
}
