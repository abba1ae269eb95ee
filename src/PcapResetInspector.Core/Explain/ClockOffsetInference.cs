using PcapResetInspector.Core.Logs;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// Finds the offset of a log's local clock from UTC. Logs are written in local time without a zone,
/// captures in UTC: every line that names a peer is tried at each offset zones use (-12:00 to +14:00
/// in quarter hours), and the offset under which most of those lines meet a connection of their peer
/// wins. A second offset one hour away that explains lines the first does not is a daylight-saving
/// change inside the log, and is kept for those lines.
/// </summary>
internal static class ClockOffsetInference
{
    private const long NanosPerMinute = 60_000_000_000;
    private const int QuarterHours = 4 * 26 + 1; // -12:00 .. +14:00
    private const int MaxLinesTried = 5_000;

    public static LogClockOffset Infer(IReadOnlyList<LogResetLine> lines, CandidateIndex index,
        IReadOnlyDictionary<string, Net.IpAddress128> netBiosNames, long skew)
    {
        var named = new List<(LogResetLine Line, LinePeer Peer)>();
        foreach (LogResetLine line in lines)
        {
            LinePeer peer = LinePeer.Of(line, netBiosNames);
            if (peer.IsKnown && line.Offset is null)
                named.Add((line, peer));
        }
        // Evenly spread over the log when it is long: enough to outvote chance, bounded in time.
        int step = Math.Max(1, named.Count / MaxLinesTried);
        var tried = new List<(LogResetLine Line, LinePeer Peer)>();
        for (int i = 0; i < named.Count; i += step)
            tried.Add(named[i]);

        var matches = new bool[QuarterHours][];
        var support = new int[QuarterHours];
        for (int o = 0; o < QuarterHours; o++)
        {
            matches[o] = new bool[tried.Count];
            long offset = OffsetNanos(o);
            for (int i = 0; i < tried.Count; i++)
            {
                (LogResetLine line, LinePeer peer) = tried[i];
                long utc = LineWindow.LocalNanos(line) - offset;
                (long from, long to) = LineWindow.Around(line, utc, skew);
                if (CandidateIndex.AnyBetween(index.OfPeer(peer.Address!.Value, peer.AsClient), from, to))
                {
                    matches[o][i] = true;
                    support[o]++;
                }
            }
        }

        int best = Enumerable.Range(0, QuarterHours)
            .OrderByDescending(o => support[o])
            .ThenBy(o => OffsetNanos(o) % (60 * NanosPerMinute) == 0 ? 0 : OffsetNanos(o) % (30 * NanosPerMinute) == 0 ? 1 : 2)
            .ThenBy(o => Math.Abs(OffsetNanos(o)))
            .First();
        if (support[best] == 0)
            return new LogClockOffset { Offset = TimeSpan.Zero, Source = OffsetSource.Assumed, LinesTried = tried.Count };

        // Daylight saving: the offset an hour away that explains lines the best one leaves unexplained, all
        // before or all after the lines the best one explains (the clock changes once), and more than chance.
        (int other, int extra) = (-1, 0);
        foreach (int candidate in new[] { best - 4, best + 4 })
        {
            if (candidate < 0 || candidate >= QuarterHours)
                continue;
            List<int> only = Enumerable.Range(0, tried.Count).Where(i => matches[candidate][i] && !matches[best][i]).ToList();
            if (only.Count < Math.Max(2, support[best] / 20) || only.Count <= extra)
                continue;
            long first = only.Min(i => LineWindow.LocalNanos(tried[i].Line)), last = only.Max(i => LineWindow.LocalNanos(tried[i].Line));
            IEnumerable<long> bestTimes = Enumerable.Range(0, tried.Count).Where(i => matches[best][i] && !matches[candidate][i])
                .Select(i => LineWindow.LocalNanos(tried[i].Line)).ToList();
            bool oneSide = bestTimes.All(t => t > last) || bestTimes.All(t => t < first);
            if (oneSide)
                (other, extra) = (candidate, only.Count);
        }
        return new LogClockOffset
        {
            Offset = TimeSpan.FromTicks(OffsetNanos(best) / 100),
            Source = OffsetSource.Inferred,
            SupportingLines = support[best],
            LinesTried = tried.Count,
            Secondary = other >= 0 ? TimeSpan.FromTicks(OffsetNanos(other) / 100) : null,
            SecondaryLines = extra,
        };
    }

    /// <summary>Offset index 0 is -12:00, each step a quarter hour.</summary>
    private static long OffsetNanos(int index) => (index - 48) * 15 * NanosPerMinute;
}
