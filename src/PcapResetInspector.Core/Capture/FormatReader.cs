namespace PcapResetInspector.Core.Capture;

/// <summary>A parser for one capture format, reading records out of an <see cref="InputBuffer"/>.</summary>
internal abstract class FormatReader
{
    protected FormatReader(InputBuffer input, ReadContext context)
    {
        Input = input;
        Context = context;
    }

    protected InputBuffer Input { get; }

    protected ReadContext Context { get; }

    public abstract CaptureFormat Format { get; }

    /// <summary>Interfaces described so far (pcap: the one from the file header).</summary>
    public abstract IReadOnlyList<CaptureInterface> Interfaces { get; }

    /// <summary>Reads the file header; false when the file cannot be read (the context says why).</summary>
    public abstract bool ReadFileHeader();

    /// <summary>
    /// Reads the next packet; false at a clean end or after reporting why reading stopped.
    /// May throw only what the stream throws.
    /// </summary>
    public abstract bool TryRead(out PacketRecord packet);
}
