using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>The candidate connections by peer address (as client and as server) and by time, each list in event-time order.</summary>
public sealed class CandidateIndex
{
    private static readonly IReadOnlyList<CandidateConnection> Empty = [];
    private readonly Dictionary<IpAddress128, List<CandidateConnection>> _byClient = [];
    private readonly Dictionary<IpAddress128, List<CandidateConnection>> _byServer = [];
    private readonly List<CandidateConnection> _resets = [];

    public CandidateIndex(IEnumerable<CandidateConnection> candidates)
    {
        foreach (CandidateConnection candidate in candidates)
        {
            Add(_byClient, candidate.Client.Address, candidate);
            Add(_byServer, candidate.Server.Address, candidate);
            if (candidate.WasReset)
                _resets.Add(candidate);
        }
        foreach (List<CandidateConnection> list in _byClient.Values)
            list.Sort(ByEventTime);
        foreach (List<CandidateConnection> list in _byServer.Values)
            list.Sort(ByEventTime);
        _resets.Sort(ByEventTime);
    }

    public int Count => _byClient.Values.Sum(l => l.Count);

    /// <summary>The connections of a peer, as the client (the usual case) or as the server (a proxy's upstream).</summary>
    public IReadOnlyList<CandidateConnection> OfPeer(IpAddress128 address, bool asClient) =>
        (asClient ? _byClient : _byServer).TryGetValue(address, out List<CandidateConnection>? list) ? list : Empty;

    /// <summary>Every reset connection, in the order of the first RST.</summary>
    public IReadOnlyList<CandidateConnection> Resets => _resets;

    /// <summary>The items of <paramref name="sorted"/> whose event time is in [from, to].</summary>
    public static IEnumerable<CandidateConnection> Between(IReadOnlyList<CandidateConnection> sorted, long from, long to)
    {
        for (int i = FirstAtOrAfter(sorted, from); i < sorted.Count && sorted[i].EventTime <= to; i++)
            yield return sorted[i];
    }

    public static bool AnyBetween(IReadOnlyList<CandidateConnection> sorted, long from, long to)
    {
        int i = FirstAtOrAfter(sorted, from);
        return i < sorted.Count && sorted[i].EventTime <= to;
    }

    /// <summary>The item whose event time is nearest <paramref name="time"/>, or null for an empty list.</summary>
    public static CandidateConnection? Nearest(IReadOnlyList<CandidateConnection> sorted, long time)
    {
        if (sorted.Count == 0)
            return null;
        int i = FirstAtOrAfter(sorted, time);
        if (i == sorted.Count)
            return sorted[^1];
        if (i == 0)
            return sorted[0];
        return time - sorted[i - 1].EventTime <= sorted[i].EventTime - time ? sorted[i - 1] : sorted[i];
    }

    private static int FirstAtOrAfter(IReadOnlyList<CandidateConnection> sorted, long time)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (sorted[middle].EventTime < time)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    private static void Add(Dictionary<IpAddress128, List<CandidateConnection>> index, IpAddress128 key, CandidateConnection candidate)
    {
        if (!index.TryGetValue(key, out List<CandidateConnection>? list))
            index[key] = list = [];
        list.Add(candidate);
    }

    private static int ByEventTime(CandidateConnection a, CandidateConnection b)
    {
        int byTime = a.EventTime.CompareTo(b.EventTime);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Uid, b.Uid);
    }
}
