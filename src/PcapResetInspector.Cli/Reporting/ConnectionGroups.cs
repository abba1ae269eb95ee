using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>What listed connections are grouped by; connections listed without a diagnosis (--all) have no cause or verdict.</summary>
public readonly record struct ConnectionGroupKey(ResetCause? Cause, Verdict? Verdict, IpAddress128 Server, ushort Port);

/// <summary>One connection shown as an example of its group.</summary>
/// <param name="Time">The first RST, or the start when there was none, as the one-by-one listing shows it.</param>
/// <param name="Evidence">The diagnosis's evidence; null for a connection listed without one.</param>
public sealed record ConnectionExample(
    string Uid, IpAddress128 ClientAddress, ushort ClientPort, long Time, string ConnState, string History, string? Evidence);

/// <summary>The connections of one cause and verdict to one server port: counts, time range and the earliest few.</summary>
public sealed class ConnectionGroup
{
    private readonly List<ConnectionExample> _examples = [];
    private readonly int _maxExamples;
    private Dictionary<string, long>? _states;

    internal ConnectionGroup(ConnectionGroupKey key, int maxExamples)
    {
        Key = key;
        _maxExamples = maxExamples;
    }

    public ConnectionGroupKey Key { get; }
    public long Connections { get; private set; }
    public long ResetByClient { get; private set; }
    public long ResetByServer { get; private set; }

    /// <summary>Flagged without a RST: race probes closed with FIN or never answered.</summary>
    public long WithoutRst { get; private set; }

    public long FirstTime { get; private set; } = long.MaxValue;
    public long LastTime { get; private set; } = long.MinValue;

    /// <summary>The earliest connections, in time order.</summary>
    public IReadOnlyList<ConnectionExample> Examples => _examples;

    /// <summary>conn_state counts, most frequent first; kept only for connections listed without a diagnosis.</summary>
    public IEnumerable<KeyValuePair<string, long>> States =>
        (_states ?? []).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal);

    internal void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis, IpAddress128 client, ushort clientPort)
    {
        Connections++;
        long time = connection.StartTime;
        if (diagnosis is null)
        {
            _states ??= new Dictionary<string, long>(StringComparer.Ordinal);
            _states[connection.ConnState] = _states.GetValueOrDefault(connection.ConnState) + 1;
        }
        else
        {
            if (diagnosis.ResetTime != 0)
                time = diagnosis.ResetTime;
            switch (diagnosis.ResetByRole)
            {
                case HostRole.Client: ResetByClient++; break;
                case HostRole.Server: ResetByServer++; break;
                default: WithoutRst++; break;
            }
        }
        FirstTime = Math.Min(FirstTime, time);
        LastTime = Math.Max(LastTime, time);

        // Connections arrive as they leave the connection table, not quite in time order: keep the earliest few.
        if (_examples.Count == _maxExamples && time >= _examples[^1].Time)
            return;
        int at = _examples.Count;
        while (at > 0 && _examples[at - 1].Time > time)
            at--;
        if (_examples.Count == _maxExamples)
            _examples.RemoveAt(_examples.Count - 1);
        _examples.Insert(at, new ConnectionExample(connection.Uid, client, clientPort, time, connection.ConnState, connection.History, diagnosis?.Evidence));
    }
}

/// <summary>
/// Listed connections grouped by cause, verdict and server address and port, as the report shows them
/// by default. At most <see cref="MaxGroups"/> groups are kept, so memory stays bounded whatever the
/// capture holds; connections of further groups are only counted.
/// </summary>
public sealed class ConnectionGroups
{
    public const int MaxGroups = 10_000;
    private readonly Dictionary<ConnectionGroupKey, ConnectionGroup> _groups = [];
    private readonly int _maxExamples;
    private readonly int _maxGroups;

    public ConnectionGroups(int maxExamples = 3, int maxGroups = MaxGroups)
    {
        _maxExamples = maxExamples;
        _maxGroups = maxGroups;
    }

    /// <summary>Every connection added, grouped or not.</summary>
    public long Connections { get; private set; }

    /// <summary>Connections counted but not grouped, because they came after the group cap was reached.</summary>
    public long Ungrouped { get; private set; }

    public int Count => _groups.Count;

    /// <summary>Whether the top <paramref name="top"/> groups and their examples would show every connection: then nothing is gained by grouping.</summary>
    public bool ExamplesShowEveryConnection(int top) =>
        Ungrouped == 0 && _groups.Count <= top && _groups.Values.All(g => g.Examples.Count == g.Connections);

    public void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        Connections++;
        // Without a diagnosis there is no client and server, only Zeek's originator and responder.
        EndpointSummary client = diagnosis?.Client ?? connection.Originator;
        EndpointSummary server = diagnosis?.Server ?? connection.Responder;
        var key = new ConnectionGroupKey(diagnosis?.Cause, diagnosis?.Verdict, server.Address, server.Port);
        if (!_groups.TryGetValue(key, out ConnectionGroup? group))
        {
            if (_groups.Count >= _maxGroups)
            {
                Ungrouped++;
                return;
            }
            group = new ConnectionGroup(key, _maxExamples);
            _groups.Add(key, group);
        }
        group.Add(connection, diagnosis, client.Address, client.Port);
    }

    /// <summary>
    /// Most serious first: suspicious, actionable, benign, then connections without a diagnosis; within
    /// a verdict the largest groups first, then the earliest.
    /// </summary>
    public IReadOnlyList<ConnectionGroup> Ordered() =>
        _groups.Values
            .OrderBy(g => Severity(g.Key.Verdict))
            .ThenByDescending(g => g.Connections)
            .ThenBy(g => g.FirstTime)
            .ThenBy(g => g.Key.Cause)
            .ThenBy(g => g.Key.Server)
            .ThenBy(g => g.Key.Port)
            .ToList();

    /// <summary>0 for the most serious; connections without a verdict come last.</summary>
    public static int Severity(Verdict? verdict) => verdict switch
    {
        Verdict.Suspicious => 0,
        Verdict.Actionable => 1,
        Verdict.Benign => 2,
        _ => 3,
    };
}
