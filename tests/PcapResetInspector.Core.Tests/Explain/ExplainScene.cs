using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Explain;

/// <summary>
/// A small generated capture run through the analysis pipeline, and log lines written about its
/// connections in a chosen local time: what the matcher is given by `explain`.
/// </summary>
internal sealed class ExplainScene
{
    public static readonly DateTime StartUtc = new(2024, 3, 11, 8, 0, 0, DateTimeKind.Utc);
    private const string Server = "10.0.0.2";

    public TrafficBuilder Traffic { get; } = new((StartUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100);

    /// <summary>A connection to the server that its client resets after an exchange; returns the RST's time (ns).</summary>
    public long ClientReset(string client, ushort port, ushort serverPort = 445)
    {
        TcpConversation c = Traffic.Tcp(client, port, Server, serverPort);
        c.Handshake().Data(Side.Client, 100).Data(Side.Server, 200).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(50));
        long reset = Traffic.Now;
        c.Rst(Side.Client, withAck: true);
        return reset;
    }

    /// <summary>A proxy's connection to its upstream that the upstream resets with the request unread; returns the RST's time.</summary>
    public long UpstreamReset(string proxy, ushort port, string upstream, ushort upstreamPort)
    {
        TcpConversation c = Traffic.Tcp(proxy, port, upstream, upstreamPort);
        c.Handshake().Data(Side.Client, 300).Wait(TimeSpan.FromMilliseconds(50));
        long reset = Traffic.Now;
        c.Rst(Side.Server, withAck: true);
        return reset;
    }

    /// <summary>A connection that ends with FIN on both sides; returns the time of its last packet.</summary>
    public long CleanClose(string client, ushort port, ushort serverPort = 445)
    {
        TcpConversation c = Traffic.Tcp(client, port, Server, serverPort);
        c.Handshake().Data(Side.Client, 100).Data(Side.Server, 200).Fin(Side.Client).Fin(Side.Server);
        long end = Traffic.Now;
        c.Ack(Side.Client);
        return end;
    }

    public void Advance(TimeSpan delta) => Traffic.Advance(delta);

    /// <summary>The candidates `explain` keeps for <paramref name="lines"/>, read with its own selection.</summary>
    public IReadOnlyList<CandidateConnection> CandidatesFor(IReadOnlyList<LogResetLine> lines)
    {
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions { Selection = CandidateCollector.SelectionFor(lines) });
        var collector = new CandidateCollector(pipeline, lines);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(Traffic.ToPcapBytes()), "scene"))
        {
            while (source.TryReadNext(out PacketRecord packet))
                pipeline.Process(in packet);
        }
        pipeline.Complete();
        return collector.Candidates;
    }

    /// <summary>Reads the capture as `explain` does and returns a matcher over its candidates.</summary>
    public LogMatcher Matcher(LogMatcherOptions? options = null)
    {
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions { Selection = new() { All = true } });
        var collector = new CandidateCollector(pipeline);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(Traffic.ToPcapBytes()), "scene"))
        {
            while (source.TryReadNext(out PacketRecord packet))
                pipeline.Process(in packet);
        }
        pipeline.Complete();
        return new LogMatcher(new CandidateIndex(collector.Candidates), pipeline.Statistics.EarliestTimestamp, pipeline.Statistics.LastTimestamp,
            collector.NetBiosNames.Addresses, options);
    }

    /// <summary>The local time a log with this offset from UTC writes for an event at <paramref name="utcNanos"/>, cut to microseconds.</summary>
    public static DateTime Local(long utcNanos, TimeSpan offset, TimeSpan? after = null)
    {
        long ticks = DateTime.UnixEpoch.Ticks + (utcNanos / 100) + offset.Ticks + (after ?? TimeSpan.FromMilliseconds(1)).Ticks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Unspecified);
    }

    public static LogResetLine Line(DateTime local, string? client = null, ushort? port = null, LogFormat format = LogFormat.Samba,
        string file = "log.smbd", int number = 1, TimeSpan? zone = null, string? name = null, string? server = null, ushort? serverPort = null) =>
        new(file, number, "a reset", format, local, zone, client is null ? null : IpAddress128.Parse(client), port, name,
            server is null ? null : IpAddress128.Parse(server), serverPort, "detail");
}
