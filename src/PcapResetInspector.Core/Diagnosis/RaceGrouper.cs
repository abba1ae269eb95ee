using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The diagnosis stage of the pipeline: receives connections as they leave the connection table (in
/// removal order), groups connect races and spots scans, and hands one <see cref="ResetDiagnosis"/>
/// per reset connection (and per race loser) to the sink.
/// <para>
/// Most connections are diagnosed the moment they arrive. Three kinds wait, each until a point in
/// network time (the latest removal time seen, or what <see cref="AdvanceTime"/> says), so memory
/// stays bounded:
/// probe-shaped connects (no client payload) wait until <see cref="DiagnosisOptions.ScanWindow"/>
/// plus <see cref="DiagnosisOptions.ProbeSettle"/> past their SYN, when every sibling probe of the
/// window has left the table and the source's fan-out is known;
/// 139/445 connections with a loser's shape (resets.md variants A-F) wait for a sibling that
/// carried SMB, because the winner usually outlives its loser by far and leaves the table later;
/// parallel-connect losers likewise wait for a sibling that carried data.
/// A waiting loser is judged alone when its hold limit passes, when more than
/// <see cref="DiagnosisOptions.MaxHeldConnections"/> wait (oldest first), or at <see cref="Complete"/>.
/// Winners are remembered for <see cref="DiagnosisOptions.SiblingRetention"/> after their SYN for
/// losers that leave the table after them.
/// </para>
/// </summary>
public sealed partial class RaceGrouper : IConnectionSink
{
    private readonly IDiagnosisSink _sink;
    private readonly DiagnosisOptions _options;
    private readonly ResetDiagnoser _diagnoser;
    private readonly long _raceWindow, _parallelWindow, _scanWindow, _probeSettle;
    private readonly long _siblingRetention, _parallelRetention, _parallelHoldLimit;
    private readonly long? _raceHoldLimit;

    private readonly PriorityQueue<HeldRef, long> _due = new();
    private readonly Queue<HeldRef> _arrivalOrder = new();
    private readonly PriorityQueue<Action, long> _expiries = new();
    private readonly Dictionary<BookKey, Book> _books = new();
    private readonly Dictionary<string, Held> _awaitingRetry = new(StringComparer.Ordinal);
    private readonly ScanTracker _scans;
    private readonly FloodDetector _floods;
    private readonly List<HostFinding> _findings = [];
    private int _findingCount;
    private long _now;
    private int _nextGroupId;

    public RaceGrouper(IDiagnosisSink sink, DiagnosisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _options = options ?? new DiagnosisOptions();
        _diagnoser = new ResetDiagnoser(_options);
        _scans = new ScanTracker(_options, _findings, NextFindingNumber);
        _floods = new FloodDetector(_options, _findings, NextFindingNumber);
        _raceWindow = DiagnosisOptions.Nanos(_options.RaceWindow);
        _parallelWindow = DiagnosisOptions.Nanos(_options.ParallelConnectWindow);
        _scanWindow = DiagnosisOptions.Nanos(_options.ScanWindow);
        _probeSettle = DiagnosisOptions.Nanos(_options.ProbeSettle);
        _siblingRetention = DiagnosisOptions.Nanos(_options.SiblingRetention);
        _parallelRetention = DiagnosisOptions.Nanos(_options.ParallelSiblingRetention);
        _parallelHoldLimit = DiagnosisOptions.Nanos(_options.ParallelConnectHoldLimit);
        _raceHoldLimit = _options.RaceHoldLimit is { } limit ? DiagnosisOptions.Nanos(limit) : null;
    }

    /// <summary>Connections waiting for a sibling or for their scan window.</summary>
    public int HeldConnections { get; private set; }

    /// <summary>Winners and probes remembered for connections still to come.</summary>
    public int RememberedConnections =>
        _books.Values.Sum(b => b.Winners.Count) + _scans.Count;

    /// <summary>Host-level findings (floods, reflection, scans) in the order they were made; their counts grow until the input ends.</summary>
    public IReadOnlyList<HostFinding> Findings => _findings;

    private int NextFindingNumber() => ++_findingCount;

    /// <summary>Books of winners and waiting losers (per client and server, per port), for tests of the memory bound.</summary>
    internal int BookCount => _books.Count;

    /// <summary>Entries in the queue of checks to come, stale ones included, for tests of the memory bound.</summary>
    internal int QueuedChecks => _due.Count;

    /// <summary>Sources with remembered probes, for tests of the memory bound.</summary>
    internal int ProbeSourceCount => _scans.Sources;

    /// <summary>Race groups formed so far.</summary>
    public int RaceGroups => _nextGroupId;

    /// <summary>Network time as this stage knows it: the latest removal time seen or time advanced to (ns).</summary>
    public long NetworkTime => _now;

    /// <summary>Adds a connection built by hand (tests, tools).</summary>
    public void Add(ConnectionSummary connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ConnectionRoles roles = ConnectionRecord.RolesOf(connection);
        Add(ConnectionRecord.Of(connection, in roles));
    }

    /// <summary>
    /// Sorts the connection by its roles. Only a connection that is held, remembered as a winner or
    /// reset has its summary built: an unanswered SYN or a session that ended normally is counted for
    /// the scan and flood tests and passed on as it is.
    /// </summary>
    public void Add(in ConnectionRecord connection)
    {
        if (connection.RemovalTime > _now)
            _now = connection.RemovalTime;

        ref readonly ConnectionRoles roles = ref connection.Roles;
        var shape = new ConnectionShape(in roles);
        if (shape.IsProbeShaped)
            RememberProbe(in roles);
        _floods.Observe(in roles);

        if (shape.IsSmbCarrier)
        {
            RegisterWinner(connection.Uid, in roles, in shape, RaceKind.Smb139And445);
            EmitNow(in connection, in shape);
        }
        else if (shape.IsParallelWinner)
        {
            RegisterWinner(connection.Uid, in roles, in shape, RaceKind.ParallelConnect);
            EmitNow(in connection, in shape);
        }
        else if (shape.SmbVariant is not null)
        {
            Hold(NewHeld(in connection, in shape, HoldKind.Smb));
        }
        else if (shape.IsParallelLoserShape)
        {
            Hold(NewHeld(in connection, in shape, HoldKind.Parallel));
        }
        else if (shape.IsPortReuseCollision && connection.Summary.NextOnTuple is null)
        {
            // The retried SYN usually comes after this attempt left the table: wait for the tracker to tell of it.
            _awaitingRetry[connection.Uid] = Hold(NewHeld(in connection, in shape, HoldKind.Retry));
        }
        else if ((shape.IsProbeShaped || roles.SynAckSender is not null) && roles.HasRst)
        {
            // Scan probes, flood attempts and answers to reflected SYN-ACKs wait until their window is counted;
            // so many wait at once under a scan that only what their summaries are built from is kept.
            Hold(NewHeld(in connection, in shape, HoldKind.ScanOnly));
        }
        else
        {
            EmitNow(in connection, in shape);
        }

        EnforceCap();
        Advance();
    }

    private static ConnectionFacts Facts(in ConnectionRecord connection, in ConnectionShape shape) =>
        new(connection.Summary, in connection.Roles, in shape);

    /// <summary>A connection that waits for nothing: without a RST (and so without a race or scan context) there is nothing to diagnose.</summary>
    private void EmitNow(in ConnectionRecord connection, in ConnectionShape shape)
    {
        if (connection.Roles.HasRst)
            Emit(Facts(in connection, in shape), DiagnosisContext.None);
        else
            _sink.AddUndiagnosed(in connection, connection.Roles.ClientParty);
    }

    /// <summary>
    /// Moves network time on without a connection, releasing what is due. Without it the stage's
    /// clock moves only with removal times, so a hold limit or a scan window can stay open through a
    /// quiet stretch. Call it with the capture's clock after the connection tracker has seen a packet (every
    /// timer due by then has fired, so nothing earlier can still arrive), or once a second in a live
    /// capture after <see cref="ConnectionTracker.AdvanceTime"/>.
    /// </summary>
    public void AdvanceTime(long nowNanos)
    {
        if (nowNanos > _now)
            _now = nowNanos;
        Advance();
    }

    /// <summary>End of input: judges every waiting connection with what is known, in arrival order, and forgets everything.</summary>
    public void Complete()
    {
        while (_arrivalOrder.TryDequeue(out HeldRef entry))
        {
            if (entry.IsLive)
                Release(entry.Held);
        }
        _due.Clear();
        _expiries.Clear();
        _books.Clear();
        _awaitingRetry.Clear();
        _scans.Clear();
    }

    // ---------------------------------------------------------------- waiting connections

    private enum HoldKind { Smb, Parallel, ScanOnly, Retry }

    private static bool UsesBook(HoldKind kind) => kind is HoldKind.Smb or HoldKind.Parallel;

    /// <summary>The connection tracker saw the 5-tuple of <paramref name="priorUid"/> used again: a waiting port-reuse collision has its retry.</summary>
    public void TupleReused(string priorUid, NextOnTuple next)
    {
        if (!_awaitingRetry.Remove(priorUid, out Held? held) || held.Released)
            return;
        held.Facts.Retry = next;
        Release(held);
    }

    private Held Hold(Held held)
    {
        HoldKind kind = held.Kind;
        long syn = held.ClientSynTime;
        held.ScanPending = held.IsProbeShaped;
        held.ScanCheckAt = Deadline.After(syn, _scanWindow + _probeSettle);
        held.GiveUpAt = kind switch
        {
            HoldKind.Smb => _raceHoldLimit is { } limit ? Deadline.After(syn, limit) : Deadline.Never,
            HoldKind.Parallel => Deadline.After(syn, _parallelHoldLimit),
            HoldKind.Retry => Deadline.After(syn, ResetDiagnoser.RetryWaitNanos),
            _ => held.ScanCheckAt,
        };

        if (UsesBook(kind))
        {
            Book book = BookFor(BookKey.For(in held.Roles, kind));
            // A parallel-connect loser pairs only within the window of its SYN; 139/445 books are small and read whole.
            foreach (Winner winner in kind == HoldKind.Parallel ? book.Winners.Near(syn, _parallelWindow) : book.Winners.All)
            {
                if (Matches(held, winner))
                    held.AddCandidate(winner);
            }
            // Kept in SYN order, so a winner looks only at the losers whose SYNs fall in its window.
            book.Waiting.Add(held);
        }
        HeldConnections++;
        _arrivalOrder.Enqueue(new HeldRef(held));
        Schedule(held);
        return held;
    }

    private bool HasWinner(Held held) => ChooseWinner(held) is not null;

    /// <summary>When this connection must next be looked at.</summary>
    private long NextCheck(Held held)
    {
        if (held.ScanPending)
            return Math.Min(held.ScanCheckAt, held.GiveUpAt);
        return HasWinner(held) ? _now : held.GiveUpAt;
    }

    private void Schedule(Held held)
    {
        long at = NextCheck(held);
        if (at == held.QueuedAt)
            return;
        held.QueuedAt = at;
        if (at != Deadline.Never)
            _due.Enqueue(new HeldRef(held), at);
    }

    /// <summary>Releases what is due at the current network time and forgets what has expired.</summary>
    private void Advance()
    {
        while (_due.TryPeek(out HeldRef entry, out long at) && at <= _now)
        {
            _due.Dequeue();
            Held held = entry.Held;
            if (!entry.IsLive || held.QueuedAt != at)
                continue; // stale: rescheduled or already released
            held.QueuedAt = long.MinValue;
            if (held.ScanPending && _now >= held.ScanCheckAt)
            {
                held.ScanPending = false;
                held.Scan = FanOut(held);
            }
            bool giveUp = _now >= held.GiveUpAt;
            if (held.Scan is not null || giveUp || (!held.ScanPending && HasWinner(held)))
                Release(held);
            else
                Schedule(held);
        }

        while (_expiries.TryPeek(out Action? expire, out long at) && at <= _now)
        {
            _expiries.Dequeue();
            expire();
        }

        _scans.ForgetDue(_now);
    }

    private void EnforceCap()
    {
        while (HeldConnections > _options.MaxHeldConnections && _arrivalOrder.TryDequeue(out HeldRef oldest))
        {
            if (oldest.IsLive)
                Release(oldest.Held);
        }
        // Released connections linger in the arrival queue until they reach its front; rebuild it when they dominate.
        while (_arrivalOrder.TryPeek(out HeldRef front) && !front.IsLive)
            _arrivalOrder.Dequeue();
        if (_arrivalOrder.Count > 2 * HeldConnections + 1024)
        {
            HeldRef[] waiting = _arrivalOrder.Where(h => h.IsLive).ToArray();
            _arrivalOrder.Clear();
            foreach (HeldRef h in waiting)
                _arrivalOrder.Enqueue(h);
        }
        // Likewise the due queue: a connection released by the cap keeps its entry until the entry's time
        // (up to the parallel-connect hold limit), and with it its whole summary. Under a flood of
        // refused or abandoned connects that is minutes of them, whatever the cap says.
        if (_due.Count > 2 * HeldConnections + 1024)
        {
            (HeldRef Element, long Priority)[] live = _due.UnorderedItems
                .Where(entry => entry.Element.IsLive && entry.Element.Held.QueuedAt == entry.Priority).ToArray();
            _due.Clear();
            _due.EnqueueRange(live);
        }
    }

    private void Release(Held held)
    {
        if (held.ScanPending)
        {
            held.ScanPending = false;
            held.Scan = FanOut(held);
        }
        held.Released = true;
        HeldConnections--;

        RaceMatch? race = null;
        if (ChooseWinner(held) is var (winner, kind))
        {
            if (winner.GroupId == 0)
                winner.GroupId = ++_nextGroupId;
            race = new RaceMatch(kind, winner.GroupId, winner.Info);
        }
        if (held.Kind == HoldKind.Retry)
            _awaitingRetry.Remove(held.Facts.Summary.Uid);
        if (UsesBook(held.Kind))
        {
            var key = BookKey.For(in held.Roles, held.Kind);
            Book book = BookFor(key);
            book.ReleasedWaiting++;
            if (book.ReleasedWaiting * 2 > book.Waiting.Count)
            {
                book.Waiting.RemoveAll(h => h.Released);
                book.ReleasedWaiting = 0;
            }
            DropIfEmpty(key, book);
        }
        Emit(held.Facts, new DiagnosisContext { Race = race, Scan = held.Scan });
        Recycle(held);
    }

    private void Emit(ConnectionFacts facts, DiagnosisContext context)
    {
        if (facts.HasRst && _floods.FindingFor(facts) is { } finding)
            context = new DiagnosisContext { Race = context.Race, Scan = context.Scan, Finding = finding };
        if (_diagnoser.Diagnose(facts, context) is { } diagnosis)
            _sink.Add(diagnosis);
        else
            _sink.AddUndiagnosed(ConnectionRecord.Of(facts.Summary, in facts.Roles), facts.ClientParty);
    }
}
