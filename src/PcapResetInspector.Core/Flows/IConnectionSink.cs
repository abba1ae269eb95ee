namespace PcapResetInspector.Core.Flows;

/// <summary>Receives each connection as it leaves the flow table, in the order they leave.</summary>
public interface IConnectionSink
{
    void Add(ConnectionSummary connection);
}

/// <summary>Collects connections in a list (tests, small captures).</summary>
public sealed class ConnectionList : IConnectionSink
{
    public List<ConnectionSummary> Connections { get; } = [];

    public void Add(ConnectionSummary connection) => Connections.Add(connection);
}
