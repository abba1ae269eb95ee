namespace PcapResetInspector.Core.Capture;

/// <summary>
/// One capture file (or standard input) being read. Made by <see cref="CaptureFile.Open(string)"/>; a file
/// that cannot be read at all still gives a source, whose <see cref="StopProblem"/> says why and whose
/// <see cref="TryReadNext"/> returns false.
/// </summary>
public sealed class CaptureFileSource : IPacketSource
{
    private static readonly CaptureInterface[] NoInterfaces = [];

    private readonly ReadContext _context;
    private readonly InputBuffer? _input;
    private readonly FormatReader? _reader;
    private readonly Stream? _streamToDispose;
    private bool _finished;

    internal CaptureFileSource(
        ReadContext context, InputBuffer? input, FormatReader? reader, CaptureCompression compression, Stream? streamToDispose)
    {
        _context = context;
        _input = input;
        _reader = reader;
        _streamToDispose = streamToDispose;
        Compression = compression;
        _finished = reader is null || context.StopProblem is not null;
    }

    public string Name => _context.Name;

    /// <summary>The format recognised from the magic number; Unknown when none was.</summary>
    public CaptureFormat Format => _reader?.Format ?? CaptureFormat.Unknown;

    public CaptureCompression Compression { get; }

    /// <summary>
    /// Interfaces described so far: the pcap file header's one, or every pcapng Interface Description Block
    /// read up to now (ids count on across sections), indexed by <see cref="PacketRecord.InterfaceId"/>.
    /// </summary>
    public IReadOnlyList<CaptureInterface> Interfaces => _reader?.Interfaces ?? NoInterfaces;

    public CaptureProblem? StopProblem => _context.StopProblem;

    public IReadOnlyList<CaptureProblem> Problems => _context.Log;

    /// <summary>Warnings left out of <see cref="Problems"/> because it was full.</summary>
    public long DroppedWarnings => _context.Log.DroppedWarnings;

    public long PacketsRead { get; private set; }

    /// <summary>Bytes of capture data consumed so far (decompressed bytes for a compressed file).</summary>
    public long BytesConsumed => _input?.Position ?? 0;

    /// <summary>Size of the read buffer now, for tests that check it stays bounded.</summary>
    internal int BufferCapacity => _input?.Capacity ?? 0;

    public bool TryReadNext(out PacketRecord packet)
    {
        if (!_finished)
        {
            try
            {
                if (_reader!.TryRead(out packet))
                {
                    PacketsRead++;
                    return true;
                }
            }
            catch (Exception exception) when (CaptureFile.IsReadFailure(exception))
            {
                CaptureFile.StopOnReadFailure(_context, exception, _input?.StreamOffset ?? 0);
            }

            _finished = true;
        }

        packet = default;
        return false;
    }

    public void Dispose()
    {
        _finished = true;
        _input?.Dispose();
        _streamToDispose?.Dispose();
    }
}
