using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// Gathers from a pipeline what log lines can be matched against: every diagnosed (reset) connection,
/// and every connection of a peer the logs name (selected with <see cref="Export.ConnectionSelection.AlsoUndiagnosedOf"/>),
/// plus the client NetBIOS names of session requests on port 139.
/// </summary>
public sealed class CandidateCollector
{
    private readonly List<CandidateConnection> _candidates = [];

    public CandidateCollector(AnalysisPipeline pipeline)
    {
        pipeline.Analyzer.SegmentObserver = NetBiosNames;
        pipeline.Selected += Add;
    }

    public NetBiosNames NetBiosNames { get; } = new();

    public IReadOnlyList<CandidateConnection> Candidates => _candidates;

    /// <summary>The peers named in the logs, whose connections without a reset are kept too.</summary>
    public static IReadOnlySet<IpAddress128> PeersOf(IEnumerable<Logs.LogResetLine> lines)
    {
        var peers = new HashSet<IpAddress128>();
        foreach (Logs.LogResetLine line in lines)
        {
            // The server address is the peer only when no client is named (a proxy's upstream); beside a
            // client it is the logging host itself, whose every connection would be kept.
            if (line.ClientAddress is { } client)
                peers.Add(client);
            else if (line.ServerAddress is { } server && line.Format is Logs.LogFormat.Nginx or Logs.LogFormat.Apache)
                peers.Add(server);
        }
        return peers;
    }

    private void Add(ConnectionSummary connection, ResetDiagnosis? diagnosis)
    {
        ResetParty clientParty = diagnosis?.ClientParty ?? ConnectionRecord.RolesOf(connection).ClientParty;
        _candidates.Add(new CandidateConnection(connection, diagnosis, clientParty));
    }
}
