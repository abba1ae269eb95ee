namespace PcapResetInspector.Core.Connections;

/// <summary>
/// A connection leaving the connection table, as the tracker hands it on: the conn.log state and history,
/// its times, why it left, and the roles (<see cref="ConnectionRoles"/>). A view, not an object: it lives
/// for the call that receives it. The full <see cref="ConnectionSummary"/> with the evidence of both
/// hosts is built on first use of <see cref="Summary"/> (once, shared by every sink of the call), so a
/// connection that is only counted costs no allocation.
/// </summary>
public readonly ref struct ConnectionRecord
{
    private readonly ILeavingConnections? _source;
    private readonly int _handle;
    private readonly ConnectionSummary? _summary;
    private readonly ref readonly ConnectionRoles _roles;

    internal ConnectionRecord(ILeavingConnections source, int handle, ref readonly ConnectionRoles roles, string history, string connState,
        long lastTime, RemovalReason removal, long removalTime)
    {
        _source = source;
        _handle = handle;
        _roles = ref roles;
        History = history;
        ConnState = connState;
        LastTime = lastTime;
        Removal = removal;
        RemovalTime = removalTime;
    }

    private ConnectionRecord(ConnectionSummary summary, ref readonly ConnectionRoles roles)
    {
        _summary = summary;
        _roles = ref roles;
        History = summary.History;
        ConnState = summary.ConnState;
        LastTime = summary.LastTime;
        Removal = summary.Removal;
        RemovalTime = summary.RemovalTime;
    }

    /// <summary>A record of a summary already built, with its roles worked out by the caller.</summary>
    public static ConnectionRecord Of(ConnectionSummary summary, ref readonly ConnectionRoles roles) => new(summary, in roles);

    /// <summary>Works out the roles of a summary built by hand (tests, tools).</summary>
    public static ConnectionRoles RolesOf(ConnectionSummary summary) => new(
        HistoryLetters.Read(summary.History), PartyCounters.Of(summary.Originator), PartyCounters.Of(summary.Responder),
        summary.StartTime, summary.FirstRstTime, summary.FirstRstFromOriginator, summary.IpVersion);

    public ref readonly ConnectionRoles Roles => ref _roles;
    public string History { get; }
    public string ConnState { get; }
    public long StartTime => _roles.StartTime;
    public long LastTime { get; }
    public RemovalReason Removal { get; }
    public long RemovalTime { get; }
    public bool SawRst => _roles.SawRst;

    /// <summary>The connection with all its evidence, built on first use.</summary>
    public ConnectionSummary Summary => _summary ?? _source!.SummaryOf(_handle);

    /// <summary>
    /// Keeps what <see cref="Summary"/> is built from past this call, for a stage that holds the connection
    /// and may build its summary much later: cheaper to keep than the summary, unless it was built already.
    /// </summary>
    internal DeferredSummary Defer() => _summary is not null ? new DeferredSummary(_summary) : _source!.Defer(_handle);

    /// <summary>The Zeek-style uid, made on first use without building the summary.</summary>
    public string Uid => _summary?.Uid ?? _source!.UidOf(_handle);
}
