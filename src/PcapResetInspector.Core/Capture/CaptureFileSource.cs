namespace PcapResetInspector.Core.Capture;

/// <summary>
/// One capture file (or standard input) being read. Made by <see cref="CaptureFile.Open(string)"/>; a file
/// that cannot be read at all still gives a source, whose <see cref="StopProblem"/> says why and whose
/// <see cref="TryReadNext"/> returns false.
/// </summary>
public sealed class CaptureFileSource : IPacketSource
{
    private static readonly CaptureInterface[] NoInterfaces = [];

    private readonly ReadContext context;
    private readonly InputBuffer? input;
    private readonly FormatReader? reader;
    private readonly Stream? streamToDispose;
    private bool finished;

    internal CaptureFileSource(
        ReadContext context, InputBuffer? input, FormatReader? reader, CaptureCompression compression, Stream? streamToDispose)
    {
        this.context = context;
        this.input = input;
        this.reader = reader;
        this.streamToDispose = streamToDispose;
        Compression = compression;
        finished = reader is null || context.StopProblem is not null;
    }

    public string Name => context.Name;

    /// <summary>The format recognised from the magic number; Unknown when none was.</summary>
    public CaptureFormat Format => reader?.Format ?? CaptureFormat.Unknown;

    public CaptureCompression Compression { get; }

    /// <summary>
    /// Interfaces described so far: the pcap file header's one, or every pcapng Interface Description Block
    /// read up to now (ids count on across sections), indexed by <see cref="PacketRecord.InterfaceId"/>.
    /// </summary>
    public IReadOnlyList<CaptureInterface> Interfaces => reader?.Interfaces ?? NoInterfaces;

    public CaptureProblem? StopProblem => context.StopProblem;

    public IReadOnlyList<CaptureProblem> Problems => context.Log;

    /// <summary>Warnings left out of <see cref="Problems"/> because it was full.</summary>
    public long DroppedWarnings => context.Log.DroppedWarnings;

    public long PacketsRead { get; private set; }

    /// <summary>Bytes of capture data consumed so far (decompressed bytes for a compressed file).</summary>
    public long BytesConsumed => input?.Position ?? 0;

    /// <summary>Size of the read buffer now, for tests that check it stays bounded.</summary>
    internal int BufferCapacity => input?.Capacity ?? 0;

    public bool TryReadNext(out PacketRecord packet)
    {
        if (!finished)
        {
            try
            {
                if (reader!.TryRead(out packet))
                {
                    PacketsRead++;
                    return true;
                }
            }
            catch (Exception exception) when (CaptureFile.IsReadFailure(exception))
            {
                CaptureFile.StopOnReadFailure(context, exception, input?.StreamOffset ?? 0);
            }

            finished = true;
        }

        packet = default;
        return false;
    }

    public void Dispose()
    {
        finished = true;
        input?.Dispose();
        streamToDispose?.Dispose();
    }
}
