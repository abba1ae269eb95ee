using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>Runs builder-made frames through the decoder, the connection tracker and the race grouping, the way the pipeline does.</summary>
internal sealed class DiagnosisRun
{
    public required List<ConnectionSummary> Connections { get; init; }
    public required List<ResetDiagnosis> Diagnoses { get; init; }
    public required RaceGrouper Grouper { get; init; }

    public ConnectionSummary Connection(ushort clientPort, ushort serverPort) =>
        Assert.Single(Connections, c => (c.Originator.Port == clientPort && c.Responder.Port == serverPort) ||
                                        (c.Originator.Port == serverPort && c.Responder.Port == clientPort));

    /// <summary>The one diagnosis of the connection between these ports.</summary>
    public ResetDiagnosis For(ushort clientPort, ushort serverPort)
    {
        string uid = Connection(clientPort, serverPort).Uid;
        return Assert.Single(Diagnoses, d => d.Uid == uid);
    }

    public bool HasDiagnosis(ushort clientPort, ushort serverPort)
    {
        string uid = Connection(clientPort, serverPort).Uid;
        return Diagnoses.Any(d => d.Uid == uid);
    }
}

/// <summary>The pipeline fed frame by frame, so a test can look at the grouping between packets.</summary>
internal sealed class DiagnosisPipeline
{
    private readonly ConnectionTracker _tracker;
    private readonly IReadOnlyList<BuiltFrame> _frames;
    private int _next;

    /// <param name="groupingFirst">
    /// The grouping sees each connection before the list does, so it parks those it holds instead of
    /// finding their summaries already built.
    /// </param>
    /// <param name="pool">Held probes come from the grouping's pool (its default), or are made fresh.</param>
    public DiagnosisPipeline(TrafficBuilder builder, DiagnosisOptions? options = null, bool groupingFirst = false, bool pool = true)
    {
        Grouper = new RaceGrouper(DiagnosisList, options) { PoolHeldProbes = pool };
        _tracker = new ConnectionTracker(groupingFirst ? new Tee(Grouper, Connections) : new Tee(Connections, Grouper));
        _frames = builder.Frames.OrderBy(f => f.TimestampNanos).ToArray();
    }

    public DiagnosisList DiagnosisList { get; } = new();
    public List<ResetDiagnosis> Diagnoses => DiagnosisList.Diagnoses;
    public ConnectionList Connections { get; } = new();
    public RaceGrouper Grouper { get; }
    public int ParkedConnections => _tracker.ParkedConnections;

    /// <summary>Feeds every frame stamped before <paramref name="timeNanos"/>.</summary>
    public DiagnosisPipeline FeedUntil(long timeNanos)
    {
        while (_next < _frames.Count && _frames[_next].TimestampNanos < timeNanos)
            Feed(_frames[_next++]);
        return this;
    }

    public DiagnosisPipeline FeedAll() => FeedUntil(long.MaxValue);

    /// <summary>Network time moves on without packets (the tracker fires its timers, then the grouping looks at its queue).</summary>
    public DiagnosisPipeline AdvanceTo(long timeNanos)
    {
        _tracker.AdvanceTime(timeNanos);
        Grouper.AdvanceTime(timeNanos);
        return this;
    }

    public DiagnosisPipeline Finish()
    {
        FeedAll();
        _tracker.Drain();
        Grouper.Complete();
        return this;
    }

    private void Feed(BuiltFrame frame)
    {
        DecodeStatus status = PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment);
        Assert.Equal(DecodeStatus.Tcp, status);
        _tracker.Process(in segment, frame.Data);
        // The tracker has fired every timer due by this packet, so the grouping may move its clock here too.
        Grouper.AdvanceTime(frame.TimestampNanos);
    }
}

internal sealed class Tee(IConnectionSink first, IConnectionSink second) : IConnectionSink
{
    public void Add(in ConnectionRecord connection)
    {
        first.Add(in connection);
        second.Add(in connection);
    }

    public void TupleReused(string priorUid, NextOnTuple next)
    {
        first.TupleReused(priorUid, next);
        second.TupleReused(priorUid, next);
    }
}

internal static class DiagnosisHarness
{
    public static DiagnosisRun Run(TrafficBuilder builder, DiagnosisOptions? options = null, ConnectionTrackerOptions? trackerOptions = null)
    {
        var diagnoses = new DiagnosisList();
        var grouper = new RaceGrouper(diagnoses, options);
        var connections = new ConnectionList();
        var tracker = new ConnectionTracker(new Tee(connections, grouper), trackerOptions);
        foreach (BuiltFrame frame in builder.Frames.OrderBy(f => f.TimestampNanos))
        {
            DecodeStatus status = PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment);
            Assert.Equal(DecodeStatus.Tcp, status);
            tracker.Process(in segment, frame.Data);
        }
        tracker.Drain();
        grouper.Complete();
        return new DiagnosisRun { Connections = connections.Connections, Diagnoses = diagnoses.Diagnoses, Grouper = grouper };
    }

    /// <summary>Diagnoses one connection alone, without the race grouping.</summary>
    public static ResetDiagnosis? DiagnoseAlone(ConnectionSummary connection, DiagnosisOptions? options = null) =>
        new ResetDiagnoser(options).Diagnose(connection);
}
