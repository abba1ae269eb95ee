using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// The memory of recently removed connections, so that a later packet on the same tuple (a lone RST
/// after the inactivity timeout, a reconnect) can name the connection before it. It is a ring of plain
/// structs with an index into it: remembering a connection allocates nothing, and the PriorConnection
/// object is built only when a tuple is used again. (Objects kept for 65,536 removals outlive the young
/// generations, and on a SYN flood their collection took longer than the tracking itself.)
/// </summary>
public sealed partial class ConnectionTracker
{
    private struct RemovedConnection
    {
        public ConnectionKey Key;
        public bool Live;            // false once a new connection on the tuple took it over
        public long Ordinal;         // with Key and StartTime, gives back the uid
        public long StartTime;
        public long LastActivityTime;
        public string ConnState;     // one of ConnStateRules' literals
        public RemovalReason Removal;
        public HistoryBuffer History;
        public int HistoryLength;
        public bool OriginatorIsLow;  // the originator's address and port are the key's low ones
        public uint OriginatorNextSeq, ResponderNextSeq;
        public uint OriginatorLastAck, ResponderLastAck;
        public byte OriginatorTtl, ResponderTtl;
        public uint OriginatorSynSeq;   // the ISN of the originator's SYN, to tell a retransmitted SYN on the tuple from a new connect
        public ushort OriginatorIpId, ResponderIpId;
        public bool OriginatorHasTimestamps, ResponderHasTimestamps;
        public uint OriginatorTsVal, ResponderTsVal;
        public ulong DataPackets;
    }

    private readonly struct RemovedKeys(ConnectionTracker tracker) : IKeyStore<ConnectionKey>
    {
        public ref readonly ConnectionKey KeyAt(int value) => ref tracker._removed[value].Key;
    }

    private RemovedConnection[] _removed = [];
    private int _removedCount;   // positions in use; once it reaches the capacity the ring wraps
    private int _removedNext;    // the oldest position, overwritten next once the ring is full
    private KeyIndex<ConnectionKey, RemovedKeys>? _removedIndex;

    private KeyIndex<ConnectionKey, RemovedKeys> RemovedIndex => _removedIndex ??= new KeyIndex<ConnectionKey, RemovedKeys>(new RemovedKeys(this));

    private void Remember(ref Connection c, string connState, RemovalReason reason)
    {
        if (RecentlyRemovedCapacity <= 0)
            return;
        KeyIndex<ConnectionKey, RemovedKeys> index = RemovedIndex;
        int position = TakeRemovedPosition(index);

        ref TcpEndpoint orig = ref Orig(ref c);
        ref TcpEndpoint resp = ref Resp(ref c);
        ref RemovedConnection r = ref _removed[position];
        r.Key = c.Key;
        r.Live = true;
        r.Ordinal = c.Ordinal;
        r.StartTime = c.StartTime;
        r.LastActivityTime = Math.Max(c.A.LastPacketTime, c.B.LastPacketTime);
        r.ConnState = connState;
        r.Removal = reason;
        r.History = c.History;
        r.HistoryLength = c.HistoryLength;
        r.OriginatorIsLow = c.OriginatorIsA == c.AIsLow;
        r.OriginatorNextSeq = orig.NextRawSeq;
        r.ResponderNextSeq = resp.NextRawSeq;
        r.OriginatorLastAck = orig.LastRawAck;
        r.ResponderLastAck = resp.LastRawAck;
        r.OriginatorTtl = orig.TtlLast;
        r.OriginatorSynSeq = orig.SynCount > 0 ? orig.SynSeq : 0;
        r.ResponderTtl = resp.TtlLast;
        r.OriginatorIpId = orig.IpIdLast;
        r.ResponderIpId = resp.IpIdLast;
        r.OriginatorHasTimestamps = orig.HasTimestamps;
        r.OriginatorTsVal = orig.TsValLast;
        r.ResponderHasTimestamps = resp.HasTimestamps;
        r.ResponderTsVal = resp.TsValLast;
        r.DataPackets = orig.DataPackets + resp.DataPackets;

        // The newest removal on a tuple is the one remembered; an older one left in the ring is skipped.
        int older = index.Set(in c.Key, c.Key.GetHashCode(), position);
        if (older >= 0)
            _removed[older].Live = false;
    }

    /// <summary>A free position in the ring: a new one while it grows, else the oldest, forgotten first.</summary>
    private int TakeRemovedPosition(KeyIndex<ConnectionKey, RemovedKeys> index)
    {
        if (_removedCount < RecentlyRemovedCapacity)
        {
            if (_removedCount == _removed.Length)
                Array.Resize(ref _removed, Math.Min(RecentlyRemovedCapacity, Math.Max(1024, _removed.Length * 2)));
            return _removedCount++;
        }

        int position = _removedNext;
        _removedNext = (position + 1) % _removedCount;
        ref RemovedConnection oldest = ref _removed[position];
        if (oldest.Live)
            index.RemoveIfAt(in oldest.Key, oldest.Key.GetHashCode(), position);
        return position;
    }

    /// <summary>The connection last removed from this tuple, if remembered; it is forgotten, as the new one takes the tuple.</summary>
    private PriorConnection? TakePrior(in ConnectionKey key)
    {
        if (_removedIndex is not { Count: > 0 } index)
            return null;
        int bucket = index.FindBucket(in key, key.GetHashCode(), out bool exists);
        if (!exists)
            return null;
        ref RemovedConnection r = ref _removed[index.ValueAt(bucket)];
        index.RemoveAt(bucket);
        r.Live = false;

        return new PriorConnection
        {
            Uid = ConnectionUid.Create(in r.Key, r.StartTime, r.Ordinal),
            History = _historyTexts.For(in r.History, r.HistoryLength),
            ConnState = r.ConnState,
            Removal = r.Removal,
            StartTime = r.StartTime,
            LastActivityTime = r.LastActivityTime,
            OriginatorAddress = r.OriginatorIsLow ? r.Key.LowAddress : r.Key.HighAddress,
            OriginatorPort = r.OriginatorIsLow ? r.Key.LowPort : r.Key.HighPort,
            OriginatorNextSeq = r.OriginatorNextSeq,
            ResponderNextSeq = r.ResponderNextSeq,
            OriginatorLastAck = r.OriginatorLastAck,
            ResponderLastAck = r.ResponderLastAck,
            OriginatorTtl = r.OriginatorTtl,
            ResponderTtl = r.ResponderTtl,
            OriginatorIpId = r.OriginatorIpId,
            ResponderIpId = r.ResponderIpId,
            OriginatorHasTimestamps = r.OriginatorHasTimestamps,
            OriginatorTsVal = r.OriginatorTsVal,
            ResponderHasTimestamps = r.ResponderHasTimestamps,
            ResponderTsVal = r.ResponderTsVal,
            DataPackets = r.DataPackets,
            OriginatorSynSeq = r.OriginatorSynSeq,
        };
    }
}
