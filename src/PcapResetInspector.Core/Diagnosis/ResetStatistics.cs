namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The host-level view: diagnoses per server and per client, by cause and by verdict, and each
/// host's peak reset rate, so that one host resetting everything (a crashed service, an IPS, a
/// scanner) stands out from the benign background.
/// </summary>
public sealed class ResetStatistics : IDiagnosisSink
{
    private readonly Dictionary<UInt128, HostResetStatistics> _servers = new();
    private readonly Dictionary<UInt128, HostResetStatistics> _clients = new();
    private readonly CauseVerdictCounts _counts = new();

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

    public HostResetStatistics? Server(UInt128 address) => _servers.GetValueOrDefault(address);

    public HostResetStatistics? Client(UInt128 address) => _clients.GetValueOrDefault(address);

    public void Add(ResetDiagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        Total++;
        _counts.Add(diagnosis.Cause, diagnosis.Verdict);
        if (diagnosis.ResetBy is not null)
            Resets++;
        Host(_servers, diagnosis.Server.Address, HostRole.Server).Add(diagnosis);
        Host(_clients, diagnosis.Client.Address, HostRole.Client).Add(diagnosis);
    }

    private static HostResetStatistics Host(Dictionary<UInt128, HostResetStatistics> hosts, UInt128 address, HostRole role)
    {
        if (!hosts.TryGetValue(address, out HostResetStatistics? host))
            hosts[address] = host = new HostResetStatistics(address, role);
        return host;
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

    private readonly CauseVerdictCounts _counts = new();
    private readonly Dictionary<long, int> _perSecond = new();
    private long _latestSecond = long.MinValue;

    internal HostResetStatistics(UInt128 address, HostRole role)
    {
        Address = address;
        Role = role;
    }

    public UInt128 Address { get; }

    public HostRole Role { get; }

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

    public int Count(ResetCause cause) => _counts.Count(cause);

    public int Count(Verdict verdict) => _counts.Count(verdict);

    public IReadOnlyList<KeyValuePair<ResetCause, int>> ByCause => _counts.ByCause;

    public IReadOnlyList<KeyValuePair<Verdict, int>> ByVerdict => _counts.ByVerdict;

    internal void Add(ResetDiagnosis diagnosis)
    {
        Diagnoses++;
        _counts.Add(diagnosis.Cause, diagnosis.Verdict);
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
        if (_latestSecond != long.MinValue && second <= _latestSecond - SecondsKept)
            return; // too late to count against its second
        int count = _perSecond.TryGetValue(second, out int seen) ? seen + 1 : 1;
        _perSecond[second] = count;
        if (count > PeakResetsPerSecond || (count == PeakResetsPerSecond && second * NanosPerSecond < PeakSecondStart))
        {
            PeakResetsPerSecond = count;
            PeakSecondStart = second * NanosPerSecond;
        }
        if (second > _latestSecond)
        {
            _latestSecond = second;
            if (_perSecond.Count > 2 * SecondsKept)
            {
                foreach (long old in _perSecond.Keys.Where(s => s <= _latestSecond - SecondsKept).ToArray())
                    _perSecond.Remove(old);
            }
        }
    }
}

/// <summary>Diagnoses counted by cause and by verdict (shared by the overall and the per-host views).</summary>
internal sealed class CauseVerdictCounts
{
    private readonly int[] _byCause = new int[Enum.GetValues<ResetCause>().Length];
    private readonly int[] _byVerdict = new int[Enum.GetValues<Verdict>().Length];
    private readonly int[] _byBoth = new int[Enum.GetValues<ResetCause>().Length * Enum.GetValues<Verdict>().Length];

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
