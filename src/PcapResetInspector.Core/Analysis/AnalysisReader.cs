using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Analysis;

/// <summary>One row of an analysis: a connection and, when it has one, the diagnosis of its reset.</summary>
public readonly record struct AnalysedConnection(ConnectionSummary Connection, ResetDiagnosis? Diagnosis);

/// <summary>
/// The pipeline as a pull API, in the shape of the packet sources (and of TarReader): each
/// <see cref="TryReadNext"/> reads packets until the diagnosis settles a row, so tests and other programs
/// read results without writing sinks. Rows come in the order the exporters would write them.
/// </summary>
public sealed class AnalysisReader : IDisposable
{
    private readonly IPacketSource _source;
    private readonly Queue<AnalysedConnection> _ready = new();
    private bool _ended;

    /// <param name="source">Packets to analyse; disposed with the reader.</param>
    /// <param name="options">As for <see cref="AnalysisPipeline"/>; exporters given here write the same rows.</param>
    public AnalysisReader(IPacketSource source, AnalysisPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        Pipeline = new AnalysisPipeline(options);
        Pipeline.Selected += (connection, diagnosis) => _ready.Enqueue(new AnalysedConnection(connection, diagnosis));
    }

    /// <summary>The pipeline behind the reader: its statistics, findings and counts grow as rows are read.</summary>
    public AnalysisPipeline Pipeline { get; }

    /// <returns>False once the source is exhausted and every row has been read.</returns>
    public bool TryReadNext(out AnalysedConnection row)
    {
        while (_ready.Count == 0 && !_ended)
        {
            if (_source.TryReadNext(out PacketRecord packet))
            {
                Pipeline.Process(in packet);
            }
            else
            {
                _ended = true;
                Pipeline.Complete();
            }
        }
        return _ready.TryDequeue(out row);
    }

    public void Dispose() => _source.Dispose();
}
