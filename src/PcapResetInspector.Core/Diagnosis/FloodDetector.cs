using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Spots SYN floods (many sources, one server port, handshakes never completed) and SYN-ACK
/// reflection (SYN-ACKs to one host that sent no SYN) as connections leave the connection table, in
/// constant time per connection: each target has a counter over a tumbling window, and once a
/// window passes the thresholds the target's finding takes every later member until a window goes
/// by without one.
/// </summary>
internal sealed class FloodDetector
{
    private readonly record struct TargetKey(FindingKind Kind, IpAddress128 Host, ushort Port);

    /// <summary>
    /// A target's counts in its current window, before it became a finding: a struct in the dictionary, and
    /// the set of sources only from the second source on. Most targets (each port of a sweep, each server
    /// with one failed connect) never get a second member, and cost no object.
    /// </summary>
    private struct Candidate
    {
        public TargetKey Key;
        public long WindowStart, FirstTime, LastTime;
        public int Count;
        public long Packets, Answered, Resets;
        public IpAddress128 FirstPeer;
        public HashSet<IpAddress128>? Peers;

        public readonly int PeerCount => Peers?.Count ?? 1;

        public void Start(long time, IpAddress128 peer)
        {
            WindowStart = FirstTime = LastTime = time;
            Count = 0;
            Packets = Answered = Resets = 0;
            FirstPeer = peer;
            Peers = null;
        }

        public void Add(long time, IpAddress128 peer, long packets, bool answered, bool reset)
        {
            Count++;
            Packets += packets;
            Answered += answered ? 1 : 0;
            Resets += reset ? 1 : 0;
            FirstTime = Math.Min(FirstTime, time);
            LastTime = Math.Max(LastTime, time);
            if (Peers is null && peer != FirstPeer)
                Peers = [FirstPeer];
            Peers?.Add(peer);
        }
    }

    private readonly Dictionary<TargetKey, Candidate> _candidates = new();
    private readonly Dictionary<TargetKey, List<HostFinding>> _byTarget = new();
    private readonly List<HostFinding> _findings;
    private readonly Func<int> _nextNumber;
    private readonly long _window;
    private readonly int _floodAttempts, _floodSources, _reflectionConnections, _reflectionSources;
    private readonly Candidate[] _slots = new Candidate[4096];
    private readonly int _promoteAt;
    private int _purgeAt = 1024;

    public FloodDetector(DiagnosisOptions options, List<HostFinding> findings, Func<int> nextNumber)
    {
        _findings = findings;
        _nextNumber = nextNumber;
        _window = DiagnosisOptions.Nanos(options.FloodWindow);
        _floodAttempts = options.FloodMinAttempts;
        _floodSources = options.FloodMinSources;
        _reflectionConnections = options.ReflectionMinConnections;
        _reflectionSources = options.ReflectionMinSources;
        _promoteAt = Math.Min(4, Math.Min(Math.Min(_floodAttempts, _floodSources), Math.Min(_reflectionConnections, _reflectionSources)));
    }

    private bool OutsideWindow(in Candidate candidate, long time) =>
        time >= Deadline.After(candidate.WindowStart, _window) || time < candidate.WindowStart - _window;

    /// <summary>Counts the connection if it is a flood attempt or a reflected SYN-ACK.</summary>
    public void Observe(in ConnectionRoles roles)
    {
        if (!Shape(in roles, out TargetKey key, out long time, out IpAddress128 peer, out long packets, out bool answered, out bool reset))
            return;
        // The target's latest finding takes the attempt while the flood goes on; after a quiet window a new
        // one must pass the thresholds again.
        if (_byTarget.TryGetValue(key, out List<HostFinding>? ofTarget) && ofTarget[^1] is var latest &&
            time <= Deadline.After(latest.LastTime, _window))
        {
            latest.Add(time, peer, key.Port, packets, answered, reset);
            return;
        }

        ref Candidate candidate = ref CollectionsMarshal.GetValueRefOrNullRef(_candidates, key);
        if (Unsafe.IsNullRef(ref candidate) || OutsideWindow(in candidate, time))
        {
            // Not counted in the dictionary yet: a fixed table of slots counts a target's first attempts,
            // so the thousands of targets with one failed connect each (a sweep, scattered probes) take no entry.
            ref Candidate slot = ref _slots[(key.GetHashCode() & 0x7FFFFFFF) % _slots.Length];
            if (!slot.Key.Equals(key) || slot.Count == 0 || OutsideWindow(in slot, time))
            {
                slot.Key = key;
                slot.Start(time, peer);
            }
            slot.Add(time, peer, packets, answered, reset);
            if (slot.Count < _promoteAt)
                return;
            if (_candidates.Count >= _purgeAt)
                Purge(time);
            _candidates[key] = slot;
            slot = default;
            candidate = ref CollectionsMarshal.GetValueRefOrNullRef(_candidates, key);
        }
        else
        {
            candidate.Add(time, peer, packets, answered, reset);
        }
        bool flood = key.Kind == FindingKind.SynFlood;
        if (candidate.Count < (flood ? _floodAttempts : _reflectionConnections) ||
            candidate.PeerCount < (flood ? _floodSources : _reflectionSources))
            return;

        var finding = new HostFinding(_nextNumber(), key.Kind, key.Host, key.Port);
        finding.AddCounted(candidate.FirstTime, candidate.LastTime, candidate.Count, candidate.Packets, candidate.Answered, candidate.Resets,
            candidate.Peers ?? [candidate.FirstPeer]);
        _candidates.Remove(key);
        _findings.Add(finding);
        if (ofTarget is null)
            _byTarget[key] = ofTarget = [];
        ofTarget.Add(finding);
    }

    /// <summary>The flood or reflection this connection belongs to, if its target became a finding around its time.</summary>
    public HostFinding? FindingFor(ConnectionFacts facts)
    {
        if (!Shape(in facts.Roles, out TargetKey key, out long time, out _, out _, out _, out _))
            return null;
        if (!_byTarget.TryGetValue(key, out List<HostFinding>? ofTarget))
            return null;
        for (int i = ofTarget.Count - 1; i >= 0; i--)
        {
            HostFinding finding = ofTarget[i];
            if (time >= finding.FirstTime - _window && time <= Deadline.After(finding.LastTime, _window))
                return finding;
        }
        return null;
    }

    /// <summary>
    /// Flood attempt: the client's SYN, no ACK, FIN or data from it ever (the handshake never completed),
    /// keyed by the server and port. Reflected SYN-ACK: no SYN in the connection, one side sent SYN-ACKs,
    /// keyed by the host they were sent to.
    /// </summary>
    private static bool Shape(in ConnectionRoles roles, out TargetKey key, out long time, out IpAddress128 peer, out long packets,
        out bool answered, out bool reset)
    {
        if (roles.ClientSentSyn && !roles.ClientEverAcked && roles.Client.PayloadBytes == 0)
        {
            PartyCounters client = roles.Client, server = roles.Server;
            key = new TargetKey(FindingKind.SynFlood, server.Address, server.Port);
            time = roles.ClientSynTime;
            peer = client.Address;
            packets = Math.Max(1, client.SynCount);
            answered = roles.ServerSentSynAck;
            reset = roles.HasRst;
            return true;
        }
        if (roles.SynAckSender is { } sender)
        {
            bool fromOriginator = sender == ResetParty.Originator;
            PartyCounters reflector = fromOriginator ? roles.Originator : roles.Responder;
            PartyCounters victim = fromOriginator ? roles.Responder : roles.Originator;
            key = new TargetKey(FindingKind.SynAckReflection, victim.Address, 0);
            time = reflector.FirstPacketTime;
            peer = reflector.Address;
            packets = reflector.SynCount;
            answered = false;
            reset = victim.RstCount > 0;
            return true;
        }
        key = default;
        time = 0;
        peer = default;
        packets = 0;
        answered = reset = false;
        return false;
    }

    /// <summary>Forgets candidates whose window ended; runs when their number doubles, so its cost per connection is constant.</summary>
    private void Purge(long now)
    {
        foreach (var (key, candidate) in _candidates)
        {
            if (Deadline.After(candidate.WindowStart, _window) < now)
                _candidates.Remove(key);
        }
        _purgeAt = Math.Max(1024, 2 * _candidates.Count);
    }
}
