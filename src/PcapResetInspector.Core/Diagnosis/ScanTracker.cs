using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The scan test in time linear in the input. A source's first probe is remembered in the
/// <see cref="ProbeMemory"/> ring (a spoofed flood has a million sources of one probe each, and they
/// cost no object); its second takes the source over into an <see cref="Activity"/>, which keeps the
/// distinct ports and hosts of the last scan window as counters updated per probe. When the window
/// reaches the thresholds a scan episode (a <see cref="HostFinding"/>) starts and takes every probe of
/// the source within a window of it. Asking whether a probe belongs to a scan is a lookup, not a walk
/// over the source's probes.
/// </summary>
internal sealed class ScanTracker
{
    private readonly ProbeMemory _singles;
    private readonly Dictionary<IpAddress128, Activity> _activities = new();
    private readonly Queue<(IpAddress128 Source, long CheckAt)> _expiries = new();
    // Each scanning source's latest episode, kept after its activity is forgotten: the probes that answered
    // (open ports) stay in the connection table longest and arrive last, and must still count for their scan.
    private readonly Dictionary<IpAddress128, HostFinding> _latestEpisode = new();
    private readonly List<HostFinding> _findings;
    private readonly Func<int> _nextNumber;
    private readonly long _window, _retention, _episodeGap;
    private readonly int _minPorts, _minHosts;

    public ScanTracker(DiagnosisOptions options, List<HostFinding> findings, Func<int> nextNumber)
    {
        _singles = new ProbeMemory(options.MaxRememberedProbes);
        _findings = findings;
        _nextNumber = nextNumber;
        _window = DiagnosisOptions.Nanos(options.ScanWindow);
        // A probe counts for others whose SYNs are within a window of its own; they are checked a settle time after theirs.
        _retention = 2 * _window + DiagnosisOptions.Nanos(options.ProbeSettle);
        // Probes leave the connection table out of SYN order by up to the settle time (an unanswered SYN waits for
        // its attempt timer, a refused one for the close delay): a scan goes on as one episode across such gaps.
        _episodeGap = _window + DiagnosisOptions.Nanos(options.ProbeSettle);
        _minPorts = options.ScanFanOutPorts;
        _minHosts = options.ScanFanOutHosts;
    }

    /// <summary>Probes remembered (singles and the windows of active sources).</summary>
    public int Count => _singles.Count + _activities.Values.Sum(a => a.WindowCount);

    /// <summary>Sources with something remembered.</summary>
    public int Sources => _singles.Sources + _activities.Count;

    public void Remember(IpAddress128 source, long synTime, IpAddress128 server, ushort port, ProbeOutcome outcome)
    {
        if (!_activities.TryGetValue(source, out Activity? activity))
        {
            if (LateMemberOf(source, synTime) is { } episode)
            {
                Activity.AddTo(episode, new RememberedProbe(synTime, server, port, outcome));
                return;
            }
            if (!_singles.Has(source))
            {
                _singles.Remember(source, synTime, server, port, outcome, Deadline.After(synTime, _retention));
                return;
            }
            activity = new Activity(this, source);
            var earlier = new List<RememberedProbe>();
            _singles.Drain(source, earlier.Add);
            for (int i = earlier.Count - 1; i >= 0; i--)
                activity.Add(earlier[i]);
            _activities[source] = activity;
            _expiries.Enqueue((source, Deadline.After(synTime, _retention)));
        }
        activity.Add(new RememberedProbe(synTime, server, port, outcome));
    }

    /// <summary>The scan episode of the source that this probe's SYN falls in, if any.</summary>
    public ScanFanOut? FanOut(IpAddress128 source, long synTime)
    {
        HostFinding? episode = _activities.TryGetValue(source, out Activity? activity) ? activity.EpisodeAt(synTime) : LateMemberOf(source, synTime);
        return episode is null
            ? null
            : new ScanFanOut((int)Math.Min(int.MaxValue, episode.Connections), episode.DistinctPorts, (int)episode.DistinctPeers,
                episode.FirstTime, episode.LastTime) { Finding = episode };
    }

    /// <summary>Forgets what is past its retention at network time <paramref name="now"/>.</summary>
    public void ForgetDue(long now)
    {
        _singles.ForgetDue(now);
        while (_expiries.TryPeek(out var entry) && entry.CheckAt <= now)
        {
            _expiries.Dequeue();
            if (!_activities.TryGetValue(entry.Source, out Activity? activity))
                continue;
            long until = Deadline.After(activity.LastSyn, _retention);
            if (until <= now)
                _activities.Remove(entry.Source);
            else
                _expiries.Enqueue((entry.Source, until));
        }
    }

    /// <summary>The source's latest scan episode, when its activity is forgotten and this SYN lies within the episode's reach.</summary>
    private HostFinding? LateMemberOf(IpAddress128 source, long synTime) =>
        _latestEpisode.TryGetValue(source, out HostFinding? episode) && synTime >= episode.FirstTime - _episodeGap &&
        synTime <= Deadline.After(episode.LastTime, _episodeGap)
            ? episode
            : null;

    public void Clear()
    {
        _singles.Clear();
        _activities.Clear();
        _expiries.Clear();
        _latestEpisode.Clear();
    }

    /// <summary>One source's probes of the last scan window, counted by port and by host, and its scan episodes.</summary>
    private sealed class Activity(ScanTracker owner, IpAddress128 source)
    {
        private readonly Queue<RememberedProbe> _recent = new();
        private readonly Dictionary<ushort, int> _ports = new();
        private readonly Dictionary<IpAddress128, int> _hosts = new();
        private HostFinding? _current, _previous;

        public long LastSyn { get; private set; } = long.MinValue;

        public int WindowCount => _recent.Count;

        public void Add(RememberedProbe probe)
        {
            if (probe.SynTime > LastSyn)
                LastSyn = probe.SynTime;
            _recent.Enqueue(probe);
            Increment(_ports, probe.Port);
            Increment(_hosts, probe.Server);
            // Probes arrive nearly in SYN order; those a window older than the newest leave the counts.
            while (_recent.TryPeek(out RememberedProbe oldest) && oldest.SynTime < LastSyn - owner._window)
            {
                _recent.Dequeue();
                Decrement(_ports, oldest.Port);
                Decrement(_hosts, oldest.Server);
            }

            if (Near(_current, probe.SynTime))
            {
                AddTo(_current!, probe);
            }
            else if (Near(_previous, probe.SynTime))
            {
                AddTo(_previous!, probe);
            }
            else if (_ports.Count >= owner._minPorts || _hosts.Count >= owner._minHosts)
            {
                // A new episode takes the whole window that reached the thresholds.
                _previous = _current;
                _current = new HostFinding(owner._nextNumber(), FindingKind.PortScan, source, 0);
                owner._findings.Add(_current);
                owner._latestEpisode[source] = _current;
                foreach (RememberedProbe member in _recent)
                    AddTo(_current, member);
            }
        }

        public HostFinding? EpisodeAt(long synTime)
        {
            return Near(_current, synTime) ? _current : Near(_previous, synTime) ? _previous : null;
        }

        private bool Near(HostFinding? episode, long synTime) =>
            episode is not null && synTime >= episode.FirstTime - owner._episodeGap && synTime <= Deadline.After(episode.LastTime, owner._episodeGap);

        public static void AddTo(HostFinding episode, RememberedProbe probe) =>
            episode.Add(probe.SynTime, probe.Server, probe.Port, 1, (probe.Outcome & ProbeOutcome.Answered) != 0,
                (probe.Outcome & ProbeOutcome.Reset) != 0);

        private static void Increment<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull =>
            counts[key] = counts.GetValueOrDefault(key) + 1;

        private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull
        {
            int left = counts[key] - 1;
            if (left == 0)
                counts.Remove(key);
            else
                counts[key] = left;
        }
    }
}
