namespace PcapResetInspector.Core.Connections;

/// <summary>
/// What a connection's summary is built from, kept by value after the connection left the table: its slot
/// and <see cref="LeavingInfo"/>. A stage that holds connections for a while (a scan probe waits seconds for
/// its window to be counted, and a scan brings tens of thousands) parks them here rather than keeping their
/// summaries: held as object graphs they all outlived the young generation and were copied by every
/// collection. Each is one copy in chunked struct arrays; the summary is built when it is taken back.
/// Used by one thread.
/// </summary>
internal sealed class ConnectionPark
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;

    private struct Parked
    {
        public Connection Connection;
        public LeavingInfo Leaving;
    }

    private Parked[][] _chunks = new Parked[4][];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _highWater;

    /// <summary>Connections parked and not yet taken back.</summary>
    public int Count { get; private set; }

    public DeferredSummary Park(ref Connection connection, in LeavingInfo leaving)
    {
        int handle;
        if (_freeCount > 0)
        {
            handle = _free[--_freeCount];
        }
        else
        {
            handle = _highWater++;
            int chunk = handle >> ChunkShift;
            if (chunk == _chunks.Length)
                Array.Resize(ref _chunks, _chunks.Length * 2);
            _chunks[chunk] ??= new Parked[ChunkSize];
        }
        ref Parked parked = ref At(handle);
        parked.Connection = connection;
        parked.Leaving = leaving;
        Count++;
        return new DeferredSummary(this, handle);
    }

    /// <summary>Builds the summary of a parked connection and frees its place.</summary>
    public ConnectionSummary Take(int handle)
    {
        ref Parked parked = ref At(handle);
        ConnectionSummary summary = ConnectionTracker.BuildSummary(ref parked.Connection, in parked.Leaving);
        parked.Leaving = default; // its strings and links are the summary's now
        Count--;
        if (_freeCount == _free.Length)
            Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = handle;
        return summary;
    }

    private ref Parked At(int handle) => ref _chunks[handle >> ChunkShift][handle & (ChunkSize - 1)];
}

/// <summary>
/// A connection's summary to be built later: either built already, or parked (<see cref="ConnectionRecord.Defer"/>). Taken once.
/// </summary>
internal readonly struct DeferredSummary
{
    private readonly ConnectionPark? _park;
    private readonly int _handle;
    private readonly ConnectionSummary? _summary;

    public DeferredSummary(ConnectionSummary summary) => _summary = summary;

    public DeferredSummary(ConnectionPark park, int handle) => (_park, _handle) = (park, handle);

    public ConnectionSummary Take() => _summary ?? _park!.Take(_handle);
}

/// <summary>What a connection's summary needs beyond its slot: why and when it left, and what the tracker decided then.</summary>
internal struct LeavingInfo
{
    public RemovalReason Reason;
    public long Time;
    public string History, ConnState;
    public PriorConnection? Prior;
    public NextOnTuple? Next;
    public string? Uid;
    public ConnectionSummary? Summary;
}

/// <summary>
/// Where a <see cref="ConnectionRecord"/> reads what it builds on demand: the tracker's slot of the
/// connection leaving now, or an entry handed to another thread.
/// </summary>
internal interface ILeavingConnections
{
    ConnectionSummary SummaryOf(int handle);
    string UidOf(int handle);
    DeferredSummary Defer(int handle);
}
