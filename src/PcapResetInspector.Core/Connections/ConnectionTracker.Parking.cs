namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Connections that a later stage keeps waiting, parked by value. A scan probe waits seconds for its
/// window to be counted, and a scan brings tens of thousands of them: held as summaries they were some
/// ten objects each that all outlived the young generation and were copied by every collection. Parked,
/// each is one copy of its slot in arrays the collector does not trace, and its summary is built when
/// the stage judges it.
/// </summary>
public sealed partial class ConnectionTracker
{
    private const int ParkChunkShift = 10;
    private const int ParkChunkSize = 1 << ParkChunkShift;

    private struct ParkedConnection
    {
        public Connection Connection;
        public LeavingInfo Leaving;
    }

    private ParkedConnection[][] _parked = new ParkedConnection[4][];
    private int[] _freeParked = new int[64];
    private int _freeParkedCount;
    private int _parkedHighWater;

    /// <summary>Connections parked and not yet taken back.</summary>
    public int ParkedConnections { get; private set; }

    /// <summary>What the summary of the connection whose record the sink holds is built from, kept past the call.</summary>
    internal DeferredSummary DeferLeaving()
    {
        if (_leaving.Summary is not null)
            return new DeferredSummary(_leaving.Summary);
        ref Connection c = ref LeavingConnection();
        int handle;
        if (_freeParkedCount > 0)
        {
            handle = _freeParked[--_freeParkedCount];
        }
        else
        {
            handle = _parkedHighWater++;
            int chunk = handle >> ParkChunkShift;
            if (chunk == _parked.Length)
                Array.Resize(ref _parked, _parked.Length * 2);
            _parked[chunk] ??= new ParkedConnection[ParkChunkSize];
        }
        ref ParkedConnection parked = ref Parked(handle);
        parked.Connection = c;
        parked.Leaving = _leaving;
        ParkedConnections++;
        return new DeferredSummary(this, handle);
    }

    /// <summary>Builds the summary of a parked connection and frees its place.</summary>
    internal ConnectionSummary Unpark(int handle)
    {
        ref ParkedConnection parked = ref Parked(handle);
        ConnectionSummary summary = BuildSummary(ref parked.Connection, in parked.Leaving);
        parked.Leaving = default; // its strings and links are the summary's now
        ParkedConnections--;
        if (_freeParkedCount == _freeParked.Length)
            Array.Resize(ref _freeParked, _freeParked.Length * 2);
        _freeParked[_freeParkedCount++] = handle;
        return summary;
    }

    private ref ParkedConnection Parked(int handle) => ref _parked[handle >> ParkChunkShift][handle & (ParkChunkSize - 1)];
}

/// <summary>
/// A connection's summary to be built later: either built already, or parked in its tracker
/// (<see cref="ConnectionRecord.Defer"/>). Taken once.
/// </summary>
internal readonly struct DeferredSummary
{
    private readonly ConnectionTracker? _tracker;
    private readonly int _handle;
    private readonly ConnectionSummary? _summary;

    public DeferredSummary(ConnectionSummary summary) => _summary = summary;

    public DeferredSummary(ConnectionTracker tracker, int handle) => (_tracker, _handle) = (tracker, handle);

    public ConnectionSummary Take() => _summary ?? _tracker!.Unpark(_handle);
}
