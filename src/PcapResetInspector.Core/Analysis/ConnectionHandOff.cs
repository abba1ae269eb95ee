using System.Runtime.ExceptionServices;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Analysis;

/// <summary>
/// Hands the connections leaving the table from the tracking thread to a diagnosis thread, which runs the
/// sinks (race grouping, diagnosis, counts, exports) on them in the same order, so results do not depend
/// on the split. Each connection is copied by value (its slot, what the tracker decided, its roles) into a
/// fixed ring of batches, so the steady state allocates nothing; the diagnosis thread builds a summary
/// from the copy only when a sink asks for one, and parks the copy when a sink holds the connection.
/// </summary>
internal sealed class ConnectionHandOff : IConnectionSink, ILeavingConnections, IDisposable
{
    private const int EntriesPerBatch = 256;
    private const int BatchesInFlight = 4;

    private enum EntryKind : byte { Left, TupleReused }

    private struct Entry
    {
        public EntryKind Kind;
        public Connection Connection;
        public LeavingInfo Leaving;
        public ConnectionRoles Roles;
        public long LastTime;
        public string? PriorUid;
        public NextOnTuple? Next;
    }

    private sealed class Batch
    {
        public readonly Entry[] Entries = new Entry[EntriesPerBatch];
        public int Count;
        public bool Last;
    }

    private readonly ConnectionTracker _tracker;
    private readonly IConnectionSink _sink;
    private readonly Batch[] _batches = new Batch[BatchesInFlight];
    private readonly ConnectionPark _park = new();
    private readonly SemaphoreSlim _filled = new(0, int.MaxValue);
    private readonly SemaphoreSlim _free = new(BatchesInFlight, int.MaxValue);
    private readonly CancellationTokenSource _diagnosisFailed = new();
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;
    private int _filling;        // the tracking thread's batch
    private Batch? _reading;     // the diagnosis thread's batch

    public ConnectionHandOff(ConnectionTracker tracker, IConnectionSink sink)
    {
        (_tracker, _sink) = (tracker, sink);
        for (int i = 0; i < _batches.Length; i++)
            _batches[i] = new Batch();
        _thread = new Thread(Consume) { IsBackground = true, Name = "diagnosis" };
    }

    /// <summary>Starts the diagnosis thread; the tracking thread owns the first batch.</summary>
    public void Start()
    {
        _free.Wait();
        _thread.Start();
    }

    // ---------------------------------------------------------------- the tracking thread

    public void Add(in ConnectionRecord connection)
    {
        ref Entry entry = ref NextEntry();
        entry.Kind = EntryKind.Left;
        entry.Connection = _tracker.LeavingSlot;
        entry.Leaving = _tracker.Leaving;
        entry.Roles = connection.Roles;
        entry.LastTime = connection.LastTime;
        Published();
    }

    public void TupleReused(string priorUid, NextOnTuple next)
    {
        ref Entry entry = ref NextEntry();
        entry.Kind = EntryKind.TupleReused;
        (entry.PriorUid, entry.Next) = (priorUid, next);
        Published();
    }

    private ref Entry NextEntry()
    {
        Batch batch = _batches[_filling];
        return ref batch.Entries[batch.Count];
    }

    private void Published()
    {
        Batch batch = _batches[_filling];
        if (++batch.Count < EntriesPerBatch)
            return;
        _filled.Release();
        _filling = (_filling + 1) % BatchesInFlight;
        try
        {
            _free.Wait(_diagnosisFailed.Token);
        }
        catch (OperationCanceledException)
        {
            _failure!.Throw();
        }
    }

    /// <summary>Hands on the last batch and waits for the diagnosis thread to finish it; rethrows its failure.</summary>
    public void Finish() => Stop()?.Throw();

    /// <summary>
    /// After a failure of the tracking or reading thread: lets the diagnosis thread finish what it was handed.
    /// Returns the diagnosis thread's own failure, if it had one: that one came first, and may be the cause of
    /// the other (a sink's write to a pipe whose reader left also stops the reading).
    /// </summary>
    public ExceptionDispatchInfo? Stop()
    {
        if (!_diagnosisFailed.IsCancellationRequested)
        {
            _batches[_filling].Last = true;
            _filled.Release();
        }
        _thread.Join();
        return _failure;
    }

    public void Dispose()
    {
        _filled.Dispose();
        _free.Dispose();
        _diagnosisFailed.Dispose();
    }

    // ---------------------------------------------------------------- the diagnosis thread

    private void Consume()
    {
        try
        {
            for (int current = 0; ; current = (current + 1) % BatchesInFlight)
            {
                _filled.Wait();
                Batch batch = _reading = _batches[current];
                for (int i = 0; i < batch.Count; i++)
                {
                    ref Entry entry = ref batch.Entries[i];
                    if (entry.Kind == EntryKind.Left)
                    {
                        var record = new ConnectionRecord(this, i, in entry.Roles, entry.Leaving.History, entry.Leaving.ConnState,
                            entry.LastTime, entry.Leaving.Reason, entry.Leaving.Time);
                        _sink.Add(in record);
                    }
                    else
                    {
                        _sink.TupleReused(entry.PriorUid!, entry.Next!);
                    }
                    // Dropped, so that a batch waiting for reuse keeps no summary alive.
                    (entry.Leaving, entry.PriorUid, entry.Next) = (default, null, null);
                }
                bool last = batch.Last;
                (batch.Count, batch.Last) = (0, false);
                if (last)
                    return;
                _free.Release();
            }
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            _diagnosisFailed.Cancel();
        }
    }

    ConnectionSummary ILeavingConnections.SummaryOf(int handle)
    {
        ref Entry entry = ref _reading!.Entries[handle];
        return entry.Leaving.Summary ??= ConnectionTracker.BuildSummary(ref entry.Connection, in entry.Leaving);
    }

    string ILeavingConnections.UidOf(int handle)
    {
        ref Entry entry = ref _reading!.Entries[handle];
        if (entry.Leaving.Summary is not null)
            return entry.Leaving.Summary.Uid;
        ref Connection c = ref entry.Connection;
        return entry.Leaving.Uid ??= ConnectionUid.Create(in c.Key, c.StartTime, c.Ordinal);
    }

    DeferredSummary ILeavingConnections.Defer(int handle)
    {
        ref Entry entry = ref _reading!.Entries[handle];
        return entry.Leaving.Summary is { } summary ? new DeferredSummary(summary) : _park.Park(ref entry.Connection, in entry.Leaving);
    }
}
