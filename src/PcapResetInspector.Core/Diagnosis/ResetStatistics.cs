using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The host-level view: diagnoses per server and per client, by cause and by verdict, and each
/// host's peak reset rate, so that one host resetting everything (a crashed service, an IPS, a
/// scanner) stands out from the benign background.
/// </summary>
public sealed class ResetStatistics : IDiagnosisSink
{
    /// <summary>Hosts tracked per role by default; a flood from spoofed sources would otherwise keep one entry per source.</summary>
    public const int DefaultMaxHostsPerRole = 20_000;

    private readonly Dictionary<IpAddress128, HostResetStatistics> _servers = new();
    private readonly Dictionary<IpAddress128, HostResetStatistics> _clients = new();
    private readonly CauseVerdictCounts _counts = new();
    private readonly Stack<HostResetStatistics> _spareHosts = new();
    private readonly int _maxHostsPerRole;

    /// <param name="maxHostsPerRole">
    /// Beyond it, the half of the hosts with the fewest diagnoses is dropped (their counts stay in the
    /// totals): the hosts that stand out are the ones with many resets, and they keep their place.
    /// </param>
    public ResetStatistics(int maxHostsPerRole = DefaultMaxHostsPerRole)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHostsPerRole, 2);
        _maxHostsPerRole = maxHostsPerRole;
    }

    /// <summary>Hosts dropped from the per-host view to keep it within its cap.</summary>
    public long HostsDropped { get; private set; }

    /// <summary>Diagnoses counted.</summary>
    public int Total { get; private set; }

    /// <summary>Diagnoses with a RST (race losers that closed with FIN or were never answered have none).</summary>
    public int Resets { get; private set; }

    public int Count(ResetCause cause) => _counts.Count(cause);

    public int Count(Verdict verdict) => _counts.Count(verdict);

    /// <summary>Diagnoses with this cause and this verdict (a cause's verdict can differ from its usual one).</summary>
    public int Count(ResetCause cause, Verdict verdict) => _counts.Count(cause, verdict);

    /// <summary>Counts per cause, causes with none left out, in enum order.</summary>
    public IReadOnlyList<KeyValuePair<ResetCause, int>> ByCause => _counts.ByCause;

    public IReadOnlyList<KeyValuePair<Verdict, int>> ByVerdict => _counts.ByVerdict;

    /// <summary>Servers, the most diagnoses first (then by peak rate, then by address).</summary>
    public IReadOnlyList<HostResetStatistics> Servers => Ordered(_servers.Values);

    /// <summary>Clients, the most diagnoses first (then by peak rate, then by address).</summary>
    public IReadOnlyList<HostResetStatistics> Clients => Ordered(_clients.Values);

    public HostResetStatistics? Server(IpAddress128 address) => _servers.GetValueOrDefault(address);

    public HostResetStatistics? Client(IpAddress128 address) => _clients.GetValueOrDefault(address);

    /// <summary>Diagnoses of connections to ports 139 and 445.</summary>
    public int SmbFlagged { get; private set; }

    /// <summary>
    /// Of those, the ones the client reset after smbd had accepted the connection: each makes smbd log a read
    /// failure ("Connection reset by peer", NT_STATUS_CONNECTION_RESET; resets.md, "What Samba logs").
    /// </summary>
    public int SmbdSawReset { get; private set; }

    /// <summary>Of <see cref="SmbdSawReset"/>, the benign ones (race losers, abortive closes by design).</summary>
    public int SmbdSawBenignReset { get; private set; }

    /// <summary>Diagnoses joined to the kernel's reason for their RST (capture --kernel-reasons).</summary>
    public int KernelReasons { get; private set; }

    /// <summary>Of those, the ones whose wire cause the kernel's reason overrode.</summary>
    public int KernelDisagreements { get; private set; }

    /// <summary>Diagnoses whose first RST a local socket took (tcp_receive_reset).</summary>
    public int KernelReceived { get; private set; }

    public void Add(ResetDiagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        Total++;
        if (diagnosis.Kernel is not null)
        {
            KernelReasons++;
            if (diagnosis.WireCause is not null)
                KernelDisagreements++;
        }
        if (diagnosis.KernelReceived is not null)
            KernelReceived++;
        if (diagnosis.Server.Port is 139 or 445)
        {
            SmbFlagged++;
            bool accepted = diagnosis.Stage is { } stage && stage is not (ResetStage.HandshakeBeforeSynAck or ResetStage.HandshakeAfterSynAck);
            if (accepted && diagnosis.ResetByRole == HostRole.Client)
            {
                SmbdSawReset++;
                if (diagnosis.Verdict == Verdict.Benign)
                    SmbdSawBenignReset++;
            }
        }
        _counts.Add(diagnosis.Cause, diagnosis.Verdict);
        if (diagnosis.ResetBy is not null)
            Resets++;
        Host(_servers, diagnosis.Server.Address, HostRole.Server).Add(diagnosis);
        Host(_clients, diagnosis.Client.Address, HostRole.Client).Add(diagnosis);
    }

    private HostResetStatistics Host(Dictionary<IpAddress128, HostResetStatistics> hosts, IpAddress128 address, HostRole role)
    {
        if (hosts.TryGetValue(address, out HostResetStatistics? host))
            return host;
        if (hosts.Count >= _maxHostsPerRole)
            Prune(hosts);
        if (_spareHosts.TryPop(out HostResetStatistics? spare))
        {
            spare.Reuse(address, role);
            host = spare;
        }
        else
        {
            host = new HostResetStatistics(address, role);
        }
        hosts[address] = host;
        return host;
    }

    /// <summary>
    /// Drops the half with the fewest diagnoses (then the lowest peak rate): O(n log n) once per n/2 new hosts.
    /// The dropped ones serve the next new hosts: under a scan, where nearly every probe's target is new, hosts
    /// made and dropped by the ten thousand all outlived the young generation.
    /// </summary>
    private void Prune(Dictionary<IpAddress128, HostResetStatistics> hosts)
    {
        HostResetStatistics[] weakest = hosts.Values.OrderBy(h => h.Diagnoses).ThenBy(h => h.PeakResetsPerSecond).ThenBy(h => h.LastResetTime)
            .Take(hosts.Count / 2).ToArray();
        foreach (HostResetStatistics host in weakest)
        {
            hosts.Remove(host.Address);
            _spareHosts.Push(host);
        }
        HostsDropped += weakest.Length;
    }

    private static HostResetStatistics[] Ordered(IEnumerable<HostResetStatistics> hosts) =>
        hosts.OrderByDescending(h => h.Diagnoses).ThenByDescending(h => h.PeakResetsPerSecond).ThenBy(h => h.Address).ToArray();
}

/// <summary>One host's share of the diagnoses, in one role (as the server, or as the client).</summary>
public sealed class HostResetStatistics
{
    private const long NanosPerSecond = 1_000_000_000;
    // Seconds kept for the rate: diagnoses arrive roughly in time order (race losers late, by up
    // to their hold), so only recent seconds need counting; older ones are dropped.
    private const int SecondsKept = 3600;

    // Most hosts of a scan or a flood have one diagnosis: its cause and verdict are kept here, and the
    // counts by cause and verdict are made with the second.
    private ResetCause _firstCause;
    private Verdict _firstVerdict;
    private CauseVerdictCounts? _counts;
    // Resets per second. Most hosts of a scan or a flood reset within one second only: that second is
    // counted here, and the per-second counts are made when a host's resets reach a second one.
    private long _firstSecond;
    private int _firstSecondCount;
    private RecentSecondCounts? _perSecond;

    internal HostResetStatistics(IpAddress128 address, HostRole role)
    {
        Address = address;
        Role = role;
    }

    /// <summary>Starts over for another host (one pruned from the statistics is reused).</summary>
    internal void Reuse(IpAddress128 address, HostRole role)
    {
        (Address, Role, Diagnoses, ResetsSent, ResetsReceived) = (address, role, 0, 0, 0);
        (PeakResetsPerSecond, PeakSecondStart, FirstResetTime, LastResetTime) = (0, 0, 0, 0);
        (_firstCause, _firstVerdict, _counts, _firstSecond, _firstSecondCount, _perSecond) = (default, default, null, 0, 0, null);
    }

    public IpAddress128 Address { get; private set; }

    public HostRole Role { get; private set; }

    public int Diagnoses { get; private set; }

    /// <summary>RSTs this host sent (first RST per connection).</summary>
    public int ResetsSent { get; private set; }

    /// <summary>RSTs this host received (the other side sent the connection's first RST).</summary>
    public int ResetsReceived { get; private set; }

    /// <summary>The most reset connections in one calendar second (by first RST time, either direction).</summary>
    public int PeakResetsPerSecond { get; private set; }

    /// <summary>Start of that second, ns since the epoch (0 when no RST was counted).</summary>
    public long PeakSecondStart { get; private set; }

    public long FirstResetTime { get; private set; }

    public long LastResetTime { get; private set; }

    public int Count(ResetCause cause) => _counts?.Count(cause) ?? (Diagnoses > 0 && _firstCause == cause ? 1 : 0);

    public int Count(Verdict verdict) => _counts?.Count(verdict) ?? (Diagnoses > 0 && _firstVerdict == verdict ? 1 : 0);

    public IReadOnlyList<KeyValuePair<ResetCause, int>> ByCause =>
        _counts?.ByCause ?? (Diagnoses == 0 ? [] : [KeyValuePair.Create(_firstCause, 1)]);

    public IReadOnlyList<KeyValuePair<Verdict, int>> ByVerdict =>
        _counts?.ByVerdict ?? (Diagnoses == 0 ? [] : [KeyValuePair.Create(_firstVerdict, 1)]);

    internal void Add(ResetDiagnosis diagnosis)
    {
        Diagnoses++;
        if (Diagnoses == 1)
        {
            (_firstCause, _firstVerdict) = (diagnosis.Cause, diagnosis.Verdict);
        }
        else
        {
            if (_counts is null)
            {
                _counts = new CauseVerdictCounts();
                _counts.Add(_firstCause, _firstVerdict);
            }
            _counts.Add(diagnosis.Cause, diagnosis.Verdict);
        }
        if (diagnosis.ResetByRole is not { } resetter)
            return;
        if (resetter == Role)
            ResetsSent++;
        else
            ResetsReceived++;

        long time = diagnosis.ResetTime;
        if (FirstResetTime == 0 || time < FirstResetTime)
            FirstResetTime = time;
        if (time > LastResetTime)
            LastResetTime = time;

        long second = time / NanosPerSecond;
        int count = CountInSecond(second);
        if (count > PeakResetsPerSecond || (count == PeakResetsPerSecond && count > 0 && second * NanosPerSecond < PeakSecondStart))
        {
            PeakResetsPerSecond = count;
            PeakSecondStart = second * NanosPerSecond;
        }
    }

    /// <summary>Counts one more reset in <paramref name="second"/> and returns that second's count (0: too late to count against its second).</summary>
    private int CountInSecond(long second)
    {
        if (_perSecond is null)
        {
            if (_firstSecondCount == 0 || _firstSecond == second)
            {
                _firstSecond = second;
                return ++_firstSecondCount;
            }
            _perSecond = new RecentSecondCounts(SecondsKept, _firstSecond, _firstSecondCount);
        }
        return _perSecond.Add(second);
    }
}

/// <summary>Diagnoses counted by cause and by verdict (shared by the overall and the per-host views).</summary>
internal sealed class CauseVerdictCounts
{
    // Counted once: Enum.GetValues makes a new array each call, and every host of a scan has its counts.
    private static readonly int Causes = Enum.GetValues<ResetCause>().Length;
    private static readonly int Verdicts = Enum.GetValues<Verdict>().Length;

    private readonly int[] _byCause = new int[Causes];
    private readonly int[] _byVerdict = new int[Verdicts];
    private readonly int[] _byBoth = new int[Causes * Verdicts];

    public void Add(ResetCause cause, Verdict verdict)
    {
        _byCause[(int)cause]++;
        _byVerdict[(int)verdict]++;
        _byBoth[((int)cause * _byVerdict.Length) + (int)verdict]++;
    }

    public int Count(ResetCause cause, Verdict verdict) => _byBoth[((int)cause * _byVerdict.Length) + (int)verdict];

    public int Count(ResetCause cause) => _byCause[(int)cause];

    public int Count(Verdict verdict) => _byVerdict[(int)verdict];

    public IReadOnlyList<KeyValuePair<ResetCause, int>> ByCause =>
        Enum.GetValues<ResetCause>().Where(c => _byCause[(int)c] > 0).Select(c => KeyValuePair.Create(c, _byCause[(int)c])).ToArray();

    public IReadOnlyList<KeyValuePair<Verdict, int>> ByVerdict =>
        Enum.GetValues<Verdict>().Where(v => _byVerdict[(int)v] > 0).Select(v => KeyValuePair.Create(v, _byVerdict[(int)v])).ToArray();
}
