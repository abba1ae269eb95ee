using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// Gathers from a pipeline what log lines can be matched against: the diagnosed (reset) connections a
/// line could be about, every connection of a peer the logs name (selected with
/// <see cref="Export.ConnectionSelection.AlsoUndiagnosedOf"/>), and the client NetBIOS names of session
/// requests on port 139. What is kept is bounded by what the logs can ask for: when every line names
/// its peer, only those peers' connections; lines without one add the resets on their service's port,
/// or every reset when the service is not known.
/// </summary>
public sealed class CandidateCollector
{
    private static readonly ushort[] SambaPorts = [445, 139];
    private readonly List<CandidateConnection> _candidates = [];
    private readonly IReadOnlySet<IpAddress128> _peers;
    private readonly HashSet<ushort> _resetPorts = [];
    private readonly bool _everyReset;

    /// <param name="lines">The lines to be matched, which bound what is kept; null keeps every reset.</param>
    public CandidateCollector(AnalysisPipeline pipeline, IReadOnlyList<LogResetLine>? lines = null)
    {
        _peers = PeersOf(lines ?? []);
        _everyReset = lines is null;
        foreach (LogResetLine line in lines ?? [])
        {
            if (line.ClientAddress is not null || IsUpstreamLine(line))
                continue;
            // A NetBIOS name is tied to an address only during the capture: keep every SMB connection for it.
            ushort[]? ports = line.ClientName is not null && line.Format == LogFormat.Samba ? SambaPorts : LinePeer.ServicePorts(line.Format);
            if (ports is null)
                _everyReset = true;
            else
                _resetPorts.UnionWith(ports);
        }
        pipeline.Analyzer.SegmentObserver = NetBiosNames;
        pipeline.Selected += Add;
    }

    public NetBiosNames NetBiosNames { get; } = new();

    public IReadOnlyList<CandidateConnection> Candidates => _candidates;

    /// <summary>
    /// Which connections the pipeline must hand on: the diagnosed ones, and those without a diagnosis of the
    /// peers the lines name, or on Samba's ports when a line names its client by NetBIOS name only (a client
    /// that closed with FIN is still the connection its "Server exit" line is about).
    /// </summary>
    public static ConnectionSelection SelectionFor(IReadOnlyList<LogResetLine> lines) => new()
    {
        AlsoUndiagnosedOf = PeersOf(lines),
        AlsoUndiagnosedOnPorts = lines.Any(l => l.ClientAddress is null && l.ClientName is not null && l.Format == LogFormat.Samba)
            ? new HashSet<ushort>(SambaPorts)
            : null,
    };

    /// <summary>The peers named in the logs, whose connections without a reset are kept too.</summary>
    public static IReadOnlySet<IpAddress128> PeersOf(IEnumerable<LogResetLine> lines)
    {
        var peers = new HashSet<IpAddress128>();
        foreach (LogResetLine line in lines)
        {
            // The server address is the peer only when no client is named (a proxy's upstream); beside a
            // client it is the logging host itself, whose every connection would be kept.
            if (line.ClientAddress is { } client)
                peers.Add(client);
            else if (IsUpstreamLine(line))
                peers.Add(line.ServerAddress!.Value);
        }
        return peers;
    }

    private static bool IsUpstreamLine(LogResetLine line) =>
        line.ClientAddress is null && line.ServerAddress is not null && line.Format is LogFormat.Nginx or LogFormat.Apache;

    private void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        ResetParty clientParty = diagnosis?.ClientParty ?? ConnectionRecord.RolesOf(connection).ClientParty;
        var candidate = new CandidateConnection(connection, diagnosis, clientParty);
        if (diagnosis is null || _everyReset || _peers.Contains(candidate.Client.Address) || _peers.Contains(candidate.Server.Address) ||
            _resetPorts.Contains(candidate.Server.Port))
            _candidates.Add(candidate);
    }
}
