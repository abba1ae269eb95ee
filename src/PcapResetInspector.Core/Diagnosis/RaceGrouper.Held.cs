using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// A connection the race grouping holds back: for its sibling, its retry or its scan window.
/// <para>
/// Under a scan tens of thousands of probes wait at once, each for seconds. As objects made per probe they
/// all outlived the young generation and died in the old one, and the collections that this caused cost
/// more than the diagnosis itself (a 1.24 M-connection scan: 6.6 s of pauses, against 2.0 s with nothing
/// held). So a probe waits with only what its summary is built from (parked in the tracker), in a Held
/// taken from a pool and given back when it is judged. A pooled Held may still be named by entries of the
/// queues, which are dropped lazily: <see cref="HeldRef"/> carries the generation it was queued for.
/// </para>
/// </summary>
public sealed partial class RaceGrouper
{
    private static readonly Func<Held, long> HeldSyn = static h => h.ClientSynTime;

    private readonly Stack<Held> _spareHelds = new();

    /// <summary>A queue entry for a held connection; stale once the connection is released or its Held reused.</summary>
    private readonly record struct HeldRef(Held Held, int Generation)
    {
        public HeldRef(Held held) : this(held, held.Generation)
        {
        }

        public bool IsLive => Held.Generation == Generation && !Held.Released;
    }

    /// <summary>
    /// A connection held with its summary still to build (parked in the tracker). Probes, the most numerous,
    /// take a pooled Held, given back by <see cref="Recycle"/>.
    /// </summary>
    private Held NewHeld(in ConnectionRecord connection, in ConnectionShape shape, HoldKind kind)
    {
        Held held = kind == HoldKind.ScanOnly && PoolHeldProbes && _spareHelds.Count > 0 ? _spareHelds.Pop() : new Held();
        ref readonly ConnectionRoles roles = ref connection.Roles;
        held.Start(kind, roles.ClientSynTime, roles.Client.Address, shape.IsProbeShaped);
        held.Defer(connection.Defer(), in roles, in shape);
        return held;
    }

    /// <summary>Off only in tests, which compare the pool against fresh Helds.</summary>
    internal bool PoolHeldProbes { get; init; } = true;

    private void Recycle(Held held)
    {
        if (held.Kind != HoldKind.ScanOnly || !PoolHeldProbes)
            return; // only probes are pooled: book and retry entries name their Held without a generation
        held.Clear();
        _spareHelds.Push(held);
    }

    private sealed class Held
    {
        private ConnectionFacts? _facts;
        private DeferredSummary _deferred;
        private ConnectionRoles _roles;
        private ConnectionShape _shape;
        private List<Winner>? _candidates;

        public void Start(HoldKind kind, long clientSynTime, IpAddress128 clientAddress, bool isProbeShaped)
        {
            (Kind, ClientSynTime, ClientAddress, IsProbeShaped) = (kind, clientSynTime, clientAddress, isProbeShaped);
            (ScanCheckAt, ScanPending, Scan, GiveUpAt, Released, QueuedAt) = (0, false, null, 0, false, long.MinValue);
        }

        /// <summary>The facts are made when first read.</summary>
        public void Defer(DeferredSummary deferred, in ConnectionRoles roles, in ConnectionShape shape) =>
            (_deferred, _roles, _shape) = (deferred, roles, shape);

        /// <summary>Drops every reference, and bumps the generation so that queue entries naming it are stale.</summary>
        public void Clear()
        {
            (_facts, _deferred, _candidates, Scan) = (null, default, null, null);
            Generation++;
        }

        public ConnectionFacts Facts => _facts ??= new ConnectionFacts(_deferred.Take(), in _roles, in _shape);
        /// <summary>The roles, readable without building the facts.</summary>
        public ref readonly ConnectionRoles Roles => ref _roles;
        public int Generation { get; private set; }
        public HoldKind Kind { get; private set; }
        public long ClientSynTime { get; private set; }
        public IpAddress128 ClientAddress { get; private set; }
        public bool IsProbeShaped { get; private set; }
        public long ScanCheckAt { get; set; }
        public bool ScanPending { get; set; }
        public ScanFanOut? Scan { get; set; }
        public long GiveUpAt { get; set; }
        // Made with the first candidate: most held connections (probes waiting for their scan window) never get one.
        public IReadOnlyList<Winner> Candidates => _candidates is null ? [] : _candidates;
        public void AddCandidate(Winner winner) => (_candidates ??= []).Add(winner);
        public bool Released { get; set; }
        public long QueuedAt { get; set; } = long.MinValue;
    }
}
