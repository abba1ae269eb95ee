using System.Globalization;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Kernel;
using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// capture --kernel-reasons: the tracefs reader and the book its events go to. When the host cannot give the
/// reasons it says why in one line and the capture goes on without them; the exit code says so at the end.
/// </summary>
public sealed class CaptureKernelReasons : IDisposable
{
    private readonly TracefsResetReader? _reader;

    private CaptureKernelReasons(TracefsResetReader? reader, KernelResetBook? book, int exitCode)
    {
        _reader = reader;
        Book = book;
        ExitCode = exitCode;
    }

    /// <summary>The events, or null when they are not read.</summary>
    public KernelResetBook? Book { get; }

    /// <summary>Success, or why the reasons were missing (<see cref="ExitCodeFor"/>).</summary>
    public int ExitCode { get; }

    public static CaptureKernelReasons Start(bool wanted, TextWriter error, string root = TracefsResetReader.DefaultRoot)
    {
        if (!wanted)
            return new CaptureKernelReasons(null, null, ExitCodes.Success);
        var book = new KernelResetBook();
        try
        {
            return new CaptureKernelReasons(TracefsResetReader.Start(book, root), book, ExitCodes.Success);
        }
        catch (KernelReasonsException e)
        {
            error.WriteLine(SafeText.Escape($"pcap-reset-inspector: --kernel-reasons: {e.Message}; capturing without them"));
            return new CaptureKernelReasons(null, null, ExitCodeFor(e.Kind));
        }
    }

    public static int ExitCodeFor(KernelReasonsProblemKind kind) => kind switch
    {
        KernelReasonsProblemKind.NotRoot => ExitCodes.NoPermission,
        KernelReasonsProblemKind.NotMounted => ExitCodes.TracefsNotMounted,
        _ => ExitCodes.KernelReasonsUnavailable,
    };

    /// <summary>Before the last diagnoses: every event the kernel logged until now is in the book.</summary>
    public void Drain() => _reader?.Drain(TimeSpan.FromSeconds(2));

    /// <summary>A closing line beside tcpdump's counters.</summary>
    public void WriteClosingLines(TextWriter error)
    {
        if (_reader is null)
            return;
        error.WriteLine(_reader.EventsRead.ToString("N0", CultureInfo.InvariantCulture) + " kernel reset events read (tcp_send_reset, tcp_receive_reset)");
        if (_reader.Problem is { } problem)
            error.WriteLine(SafeText.Escape("pcap-reset-inspector: --kernel-reasons: reading trace_pipe stopped: " + problem));
    }

    /// <summary>Events off and the tracefs instance removed: the tracing state is as it was.</summary>
    public void Dispose() => _reader?.Dispose();
}
