using System.Globalization;
using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>What the matcher is told by the user.</summary>
public sealed class LogMatcherOptions
{
    /// <summary>The logs' offset from UTC (--log-utc-offset); inferred per file when null.</summary>
    public TimeSpan? UtcOffset { get; init; }
    /// <summary>How far the logging host's clock and the capture's may differ (--log-skew).</summary>
    public TimeSpan Skew { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Ties reset log lines to connections, graded by what the line names: its peer's address and port
/// (exact), its address (address), or nothing but a time (time); several fits are listed as such,
/// never chosen silently, and a line that fits nothing says why.
/// </summary>
public sealed class LogMatcher
{
    private readonly CandidateIndex _index;
    private readonly long _captureStart, _captureEnd, _skew;
    private readonly IReadOnlyDictionary<string, IpAddress128> _netBiosNames;
    private readonly LogMatcherOptions _options;
    private readonly Dictionary<string, LogClockOffset> _offsets = new(StringComparer.Ordinal);

    public LogMatcher(CandidateIndex index, long captureStart, long captureEnd, IReadOnlyDictionary<string, IpAddress128> netBiosNames,
        LogMatcherOptions? options = null)
    {
        _index = index;
        _captureStart = captureStart;
        _captureEnd = captureEnd;
        _netBiosNames = netBiosNames;
        _options = options ?? new LogMatcherOptions();
        _skew = _options.Skew.Ticks * 100;
    }

    /// <summary>The clock offset used for each log file, by file name.</summary>
    public IReadOnlyDictionary<string, LogClockOffset> Offsets => _offsets;

    public IReadOnlyList<LogLineMatch> Match(IReadOnlyList<LogResetLine> lines)
    {
        FindOffsets(lines);
        var matches = new List<LogLineMatch>(lines.Count);
        foreach (LogResetLine line in lines)
            matches.Add(MatchLine(line));
        return matches;
    }

    private void FindOffsets(IReadOnlyList<LogResetLine> lines)
    {
        if (_options.UtcOffset is { } given)
        {
            foreach (string file in lines.Select(l => l.File).Distinct())
                _offsets[file] = new LogClockOffset { Offset = given, Source = OffsetSource.Given };
            return;
        }
        // Per file (logs of several hosts may be in several zones); a file with no line naming a peer
        // takes the offset all files agree on.
        LogClockOffset overall = ClockOffsetInference.Infer(lines, _index, _netBiosNames, _skew);
        foreach (IGrouping<string, LogResetLine> file in lines.GroupBy(l => l.File))
        {
            if (file.All(l => l.Offset is not null))
            {
                _offsets[file.Key] = new LogClockOffset { Offset = file.First().Offset!.Value, Source = OffsetSource.InLines };
                continue;
            }
            LogClockOffset own = ClockOffsetInference.Infer(file.ToList(), _index, _netBiosNames, _skew);
            _offsets[file.Key] = own.Source == OffsetSource.Inferred ? own : overall;
        }
    }

    private LogLineMatch MatchLine(LogResetLine line)
    {
        LinePeer peer = LinePeer.Of(line, _netBiosNames);
        if (line.Offset is { } carried)
            return MatchAt(line, peer, carried);
        LogClockOffset clock = _offsets[line.File];
        LogLineMatch first = MatchAt(line, peer, clock.Offset);
        if (first.Kind == LogMatchKind.None && clock.Source == OffsetSource.Assumed)
            return new LogLineMatch { Line = first.Line, Kind = first.Kind, How = first.How + AssumedClock, Reason = first.Reason, UtcNanos = first.UtcNanos, Offset = first.Offset };
        if (first.Kind != LogMatchKind.None || clock.Secondary is not { } secondary)
            return first;
        LogLineMatch second = MatchAt(line, peer, secondary);
        return second.Kind != LogMatchKind.None ? second : first;
    }

    /// <summary>Said of a line that matched nothing when no offset could be inferred for its log: the clock may be what is wrong.</summary>
    private const string AssumedClock = "; the log's clock was taken to be UTC for want of lines to infer it from: give --log-utc-offset if it is not";

    private LogLineMatch MatchAt(LogResetLine line, LinePeer peer, TimeSpan offset)
    {
        long utc = LineWindow.LocalNanos(line) - (offset.Ticks * 100);
        (long from, long to) = LineWindow.Around(line, utc, _skew);
        LogLineMatch Result(LogMatchKind kind, string how, IReadOnlyList<CandidateConnection>? candidates = null, NoMatchReason reason = NoMatchReason.None) =>
            new() { Line = line, Kind = kind, How = how, Candidates = candidates ?? [], Reason = reason, UtcNanos = utc, Offset = offset };

        if (to < _captureStart || from > _captureEnd)
            return Result(LogMatchKind.None, $"outside the capture's time range: the line is at {Iso(utc)}, the capture covers {Iso(_captureStart)} to {Iso(_captureEnd)}",
                reason: NoMatchReason.OutsideCapture);

        if (peer.IsKnown)
            return MatchPeer(line, peer, utc, from, to, Result);

        // No peer in the line: the resets at that time, on the service's port when the format tells it.
        ushort[]? ports = ServicePorts(line.Format);
        List<CandidateConnection> atTime = CandidateIndex.Between(_index.Resets, from, to)
            .Where(c => c.ResetByClient && (ports is null || ports.Contains(c.Server.Port)))
            .OrderBy(c => Math.Abs(c.EventTime - utc)).ThenBy(c => c.Uid, StringComparer.Ordinal).ToList();
        string unnamed = peer.UnknownName is { } name
            ? $"the client's NetBIOS name {name} was not seen in a session request on port 139, so by time only: "
            : "the line names no client: ";
        string where = ports is null ? "" : " to port " + string.Join(" or ", ports);
        if (atTime.Count == 0)
            return Result(LogMatchKind.None, unnamed + $"no connection{where} was reset by its client within {Window()} of the line",
                reason: peer.UnknownName is null ? NoMatchReason.NothingNearTime : NoMatchReason.UnknownNetBiosName);
        return Result(LogMatchKind.Time, unnamed + Fits(atTime.Count, $"connection{where} reset by its client", "connections" + where + " reset by their clients"), atTime);
    }

    private LogLineMatch MatchPeer(LogResetLine line, LinePeer peer, long utc, long from, long to,
        Func<LogMatchKind, string, IReadOnlyList<CandidateConnection>?, NoMatchReason, LogLineMatch> result)
    {
        IpAddress128 address = peer.Address!.Value;
        string role = peer.AsClient ? "client" : "upstream server";
        IReadOnlyList<CandidateConnection> all = _index.OfPeer(address, peer.AsClient);
        string named = peer.Port is { } port ? Endpoint(address, port) : IpAddress128.Format(address);
        if (all.Count == 0)
            return result(LogMatchKind.None, $"no connection of the {role} {named} in the capture", null, NoMatchReason.PeerNotInCapture);

        List<CandidateConnection> ofPeer = peer.Port is { } p ? all.Where(c => (peer.AsClient ? c.Client : c.Server).Port == p).ToList() : [.. all];
        if (ofPeer.Count == 0)
            return result(LogMatchKind.None, $"no connection from {named} in the capture ({IpAddress128.Format(address)} has {Count(all.Count, "other connection", "other connections")})",
                null, NoMatchReason.PeerNotInCapture);

        List<CandidateConnection> near = Best(CandidateIndex.Between(ofPeer, from, to), peer.AsClient, utc);
        if (near.Count == 0)
        {
            CandidateConnection nearest = CandidateIndex.Nearest(ofPeer, utc)!;
            string ended = nearest.WasReset ? "was reset" : "ended";
            return result(LogMatchKind.None,
                $"none of the {Count(ofPeer.Count, "connection", "connections")} of {named} ended within {Window()} of the line " +
                $"(nearest: {nearest.Uid}, {ended} at {Iso(nearest.EventTime)}, {Gap(nearest.EventTime - utc)})",
                null, NoMatchReason.NothingNearTime);
        }
        LogMatchKind kind = peer.Port is null ? LogMatchKind.Address : LogMatchKind.Exact;
        string how = peer.Port is null
            ? $"the line names the {role} {named} without a port: " + Fits(near.Count, "of its connections", "of its connections")
            : $"the line names the {role} {named}: " + Fits(near.Count, "connection", "connections with that port");
        return result(kind, how, near, NoMatchReason.None);
    }

    /// <summary>Those reset by the peer first (what "reset by peer" means), then those reset by the other side, then the rest; nearest in time first.</summary>
    private static List<CandidateConnection> Best(IEnumerable<CandidateConnection> inWindow, bool peerIsClient, long utc)
    {
        List<CandidateConnection> all = inWindow.ToList();
        if (all.Count == 0)
            return all;
        int Rank(CandidateConnection c) => (peerIsClient ? c.ResetByClient : c.ResetByServer) ? 0 : c.WasReset ? 1 : 2;
        int best = all.Min(Rank);
        return all.Where(c => Rank(c) == best).OrderBy(c => Math.Abs(c.EventTime - utc)).ThenBy(c => c.Uid, StringComparer.Ordinal).ToList();
    }

    private string Fits(int count, string one, string many) => count == 1
        ? $"1 {one} ended within {Window()} of the line"
        : $"{count} {many} ended within {Window()} of the line (ambiguous: all listed)";

    private string Window() => "±" + _options.Skew.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>The well-known port of the service that writes this kind of log, to narrow a match by time.</summary>
    private static ushort[]? ServicePorts(LogFormat format) => LinePeer.ServicePorts(format);

    private static string Gap(long nanos) =>
        (nanos >= 0 ? "" : "-") + Math.Abs(nanos / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + " s from the line";

    private static string Count(int count, string one, string many) => count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);

    private static string Endpoint(IpAddress128 address, ushort port) => Export.ConnectionText.Endpoint(address, port);

    private static string Iso(long nanos) => Export.ConnectionText.FormatIso(nanos);
}
