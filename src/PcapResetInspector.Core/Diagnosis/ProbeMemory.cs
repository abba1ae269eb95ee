using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The probe-shaped connects remembered for the scan test, oldest first, with each source's probes
/// chained newest to oldest. Plain structs in a ring plus an index of each source's newest probe: a
/// scan or SYN flood from many spoofed sources remembers up to the cap without an object per source
/// (a queue per source made every one of them live long enough to need a full collection).
/// </summary>
internal sealed class ProbeMemory
{
    private struct Entry
    {
        public IpAddress128 Client;
        public IpAddress128 Server;
        public long SynTime;
        public long ForgetAt;
        public long Sequence;
        public long PreviousOfClient;   // sequence of the same source's previous probe, -1 if none
        public ushort Port;
        public ProbeOutcome Outcome;
    }

    private readonly struct ClientKeys(ProbeMemory memory) : IKeyStore<IpAddress128>
    {
        public ref readonly IpAddress128 KeyAt(int value) => ref memory._entries[value].Client;
    }

    private readonly int _max;
    private readonly KeyIndex<IpAddress128, ClientKeys> _newestOfClient;
    private Entry[] _entries = [];   // a power of two long; a probe's place is its sequence modulo the length
    private long _head;              // sequence of the oldest probe remembered
    private long _tail;              // sequence the next probe gets

    public ProbeMemory(int max)
    {
        _max = max;
        _newestOfClient = new KeyIndex<IpAddress128, ClientKeys>(new ClientKeys(this));
    }

    public int Count => (int)(_tail - _head);

    /// <summary>Sources with at least one probe remembered.</summary>
    public int Sources => _newestOfClient.Count;

    public void Remember(IpAddress128 client, long synTime, IpAddress128 server, ushort port, ProbeOutcome outcome, long forgetAt)
    {
        if (Count == _entries.Length)
            Grow();
        long sequence = _tail++;
        int position = PositionOf(sequence);
        int previous = _newestOfClient.Set(in client, client.GetHashCode(), position);
        _entries[position] = new Entry
        {
            Client = client,
            Server = server,
            SynTime = synTime,
            ForgetAt = forgetAt,
            Sequence = sequence,
            PreviousOfClient = previous >= 0 ? _entries[previous].Sequence : -1,
            Port = port,
            Outcome = outcome,
        };

        while (Count > _max)
            ForgetOldest();
    }

    /// <summary>Forgets, oldest first, the probes whose time is up by <paramref name="now"/> (they arrive nearly in time order).</summary>
    public void ForgetDue(long now)
    {
        while (Count > 0 && _entries[PositionOf(_head)].ForgetAt <= now)
            ForgetOldest();
    }

    public void Clear()
    {
        _head = _tail = 0;
        _newestOfClient.Clear();
    }

    /// <summary>Whether the source has a probe remembered.</summary>
    public bool Has(IpAddress128 client) => _newestOfClient.TryGetValue(in client, client.GetHashCode(), out _);

    /// <summary>
    /// Hands the source's remembered probes, newest first, to <paramref name="take"/>. Called once per
    /// source, when its second probe arrives and a <see cref="ScanTracker"/> activity takes it over; the
    /// source's later probes are not remembered here, so its chain stays short.
    /// </summary>
    public void Drain(IpAddress128 client, Action<RememberedProbe> take)
    {
        if (!_newestOfClient.TryGetValue(in client, client.GetHashCode(), out int position))
            return;
        while (true)
        {
            ref Entry probe = ref _entries[position];
            take(new RememberedProbe(probe.SynTime, probe.Server, probe.Port, probe.Outcome));
            if (probe.PreviousOfClient < _head)
                break;
            position = PositionOf(probe.PreviousOfClient);
        }
        _newestOfClient.Remove(in client, client.GetHashCode());
    }

    private int PositionOf(long sequence) => (int)(sequence & (_entries.Length - 1));

    private void ForgetOldest()
    {
        int position = PositionOf(_head);
        ref Entry oldest = ref _entries[position];
        // The source's last probe going means the source has none left (a drained source is no longer indexed).
        _newestOfClient.RemoveIfAt(in oldest.Client, oldest.Client.GetHashCode(), position);
        _head++;
    }

    /// <summary>Doubles the ring; every probe moves to its place in the longer one, and the index follows.</summary>
    private void Grow()
    {
        Entry[] old = _entries;
        _entries = new Entry[Math.Max(1024, old.Length * 2)];
        _newestOfClient.Clear();
        for (long sequence = _head; sequence < _tail; sequence++)
        {
            ref Entry entry = ref old[sequence & (old.Length - 1)];
            int position = PositionOf(sequence);
            _entries[position] = entry;
            _newestOfClient.Set(in entry.Client, entry.Client.GetHashCode(), position);
        }
    }
}

/// <summary>What the target answered a probe with.</summary>
[Flags]
internal enum ProbeOutcome : byte
{
    None = 0,
    /// <summary>SYN-ACK: the port is open.</summary>
    Answered = 1,
    /// <summary>A RST from either side.</summary>
    Reset = 2,
}

/// <summary>One remembered probe of a source.</summary>
internal readonly record struct RememberedProbe(long SynTime, IpAddress128 Server, ushort Port, ProbeOutcome Outcome);
