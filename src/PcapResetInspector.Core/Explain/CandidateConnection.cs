using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>A connection a log line may be about: its endpoints by role, when it ended, and its diagnosis if it was reset.</summary>
public sealed class CandidateConnection
{
    public CandidateConnection(ConnectionSummary connection, ResetDiagnosis? diagnosis, ResetParty clientParty)
    {
        Connection = connection;
        Diagnosis = diagnosis;
        ClientParty = clientParty;
        Client = clientParty == ResetParty.Originator ? connection.Originator : connection.Responder;
        Server = clientParty == ResetParty.Originator ? connection.Responder : connection.Originator;
        // A log line about a reset is written when the application's read or write fails: at the first
        // RST. Without one (a line about a peer that went away, Samba 4.17's "Server exit"), at the end.
        EventTime = connection.FirstRstTime != 0 ? connection.FirstRstTime : connection.StartTime + Math.Max(connection.DurationNanos, 0);
    }

    public ConnectionSummary Connection { get; }
    public ResetDiagnosis? Diagnosis { get; }
    public ResetParty ClientParty { get; }
    public EndpointSummary Client { get; }
    public EndpointSummary Server { get; }
    public string Uid => Connection.Uid;
    public bool WasReset => Connection.FirstRstTime != 0;

    /// <summary>When an application would have logged it: the first RST, or the end of the connection.</summary>
    public long EventTime { get; }

    /// <summary>The client sent the first RST: what a server logs as "Connection reset by peer".</summary>
    public bool ResetByClient => Diagnosis?.ResetByRole == HostRole.Client;

    public bool ResetByServer => Diagnosis?.ResetByRole == HostRole.Server;

    public bool HasEndpoint(IpAddress128 address, ushort? port, bool asClient)
    {
        EndpointSummary endpoint = asClient ? Client : Server;
        return endpoint.Address == address && (port is null || endpoint.Port == port.Value);
    }
}
