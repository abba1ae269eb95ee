using Microsoft.Win32.SafeHandles;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The files a live capture writes in place (`--csv`, `-o`, `-w`), watched for I/O errors: an output that
/// fails (a full disk) stops alone, the capture and the other outputs go on, and once the files are
/// closed the failed one is cut back to its last whole row or packet, so it stays readable.
/// </summary>
internal sealed class LiveOutputs
{
    private readonly List<(string Path, GuardedTextWriter Writer)> _text = [];
    private readonly List<LiveRawOutput> _raw = [];

    /// <summary>Watches a text output written through <paramref name="writer"/>.</summary>
    public void Watch(string path, GuardedTextWriter writer) => _text.Add((path, writer));

    public LiveRawOutput Raw(string path, FileStream stream, PcapWriter writer)
    {
        var raw = new LiveRawOutput(path, stream, writer);
        _raw.Add(raw);
        return raw;
    }

    private IEnumerable<(string Path, IOException Failure, long GoodLength)> Failed =>
        _text.Where(t => t.Writer.Failure is not null).Select(t => (t.Path, t.Writer.Failure!, t.Writer.GoodLength))
            .Concat(_raw.Where(r => r.Failure is not null).Select(r => (r.Path, r.Failure!, r.GoodLength)));

    /// <summary>One line for each output that failed; true when one did.</summary>
    public bool Report(TextWriter error)
    {
        bool any = false;
        foreach (var (path, failure, _) in Failed)
        {
            any = true;
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {OutputFiles.Reason(failure)}; " +
                                            "it stopped there and keeps what was whole, the other outputs went on"));
        }
        return any;
    }

    /// <summary>After the files are closed: each failed one is cut back to the end of its last complete row or packet.</summary>
    public void TruncateFailed()
    {
        foreach (var (path, _, goodLength) in Failed)
        {
            try
            {
                // Cutting frees space, so it works on a full disk; a fresh handle bypasses any buffer of the old one.
                using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
                if (RandomAccess.GetLength(handle) > goodLength)
                    RandomAccess.SetLength(handle, goodLength);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Reported already as failed; nothing more can be done for it.
            }
        }
    }
}

/// <summary>The raw packets of `capture -w`, flushed every second; after a write error it takes no more.</summary>
internal sealed class LiveRawOutput(string path, FileStream stream, PcapWriter writer)
{
    public string Path { get; } = path;

    public IOException? Failure { get; private set; }

    /// <summary>The file's length after the last flush that went through: whole packets only.</summary>
    public long GoodLength { get; private set; } = stream.Position;

    public void Write(in PacketRecord packet)
    {
        if (Failure is not null)
            return;
        try
        {
            writer.WritePacket(packet.TimestampNanos, packet.Data, packet.OriginalLength);
        }
        catch (IOException e)
        {
            Failure = e;
        }
    }

    public void Flush()
    {
        if (Failure is not null)
            return;
        try
        {
            writer.Flush();
            GoodLength = stream.Position;
        }
        catch (IOException e)
        {
            Failure = e;
        }
    }
}
