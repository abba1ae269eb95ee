namespace PcapResetInspector.Core.Connections;

/// <summary>Receives each connection as it leaves the connection table, in the order they leave.</summary>
public interface IConnectionSink
{
    /// <summary>
    /// The record is valid only during the call; a sink that keeps the connection keeps
    /// <see cref="ConnectionRecord.Summary"/>, which is built when first asked for.
    /// </summary>
    void Add(in ConnectionRecord connection);

    /// <summary>
    /// A new connection took the 5-tuple of one that already left the table (<paramref name="priorUid"/>),
    /// told at the new connection's first packet, long before it leaves: a port-reuse collision waits for its retry.
    /// </summary>
    void TupleReused(string priorUid, NextOnTuple next)
    {
    }
}

/// <summary>Collects connections in a list (tests, small captures).</summary>
public sealed class ConnectionList : IConnectionSink
{
    public List<ConnectionSummary> Connections { get; } = [];

    public void Add(in ConnectionRecord connection) => Connections.Add(connection.Summary);
}

/// <summary>Hands each connection leaving the connection table to several sinks in turn.</summary>
public sealed class ConnectionTee(params IConnectionSink[] sinks) : IConnectionSink
{
    public void Add(in ConnectionRecord connection)
    {
        foreach (IConnectionSink sink in sinks)
            sink.Add(in connection);
    }

    public void TupleReused(string priorUid, NextOnTuple next)
    {
        foreach (IConnectionSink sink in sinks)
            sink.TupleReused(priorUid, next);
    }
}
