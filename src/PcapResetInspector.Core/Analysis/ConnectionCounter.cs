using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Analysis;

/// <summary>Counts every connection by conn_state and whether it saw a RST.</summary>
public sealed class ConnectionCounter : IConnectionSink
{
    public long Total { get; private set; }
    public long SawRst { get; private set; }
    public Dictionary<string, long> ByConnState { get; } = new(StringComparer.Ordinal);

    public void Add(in ConnectionRecord connection)
    {
        Total++;
        if (connection.SawRst)
            SawRst++;
        ByConnState[connection.ConnState] = ByConnState.GetValueOrDefault(connection.ConnState) + 1;
    }
}
