namespace PcapResetInspector.Cli;

/// <summary>
/// Process exit codes. Errors use tshark's numbers where tshark has one; 1 is kept for "resets of
/// the kind asked for were found" (--fail-on), so a command-line mistake gets 64 (EX_USAGE in
/// sysexits.h) rather than tshark's 1.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>--fail-on: resets with that verdict were found.</summary>
    public const int FindingsFound = 1;
    /// <summary>tshark: invalid interface.</summary>
    public const int InvalidInterface = 2;
    /// <summary>tshark: invalid capture file (not a capture, unsupported format or version).</summary>
    public const int InvalidCaptureFile = 3;
    /// <summary>tshark: invalid filter.</summary>
    public const int InvalidFilter = 4;
    /// <summary>tshark: the input could not be opened (missing, a directory, no permission).</summary>
    public const int OpenError = 9;
    /// <summary>tshark: pcap error (libpcap missing or failing).</summary>
    public const int PcapError = 13;
    /// <summary>tshark: read error (a capture damaged part-way; what came before it was analysed).</summary>
    public const int ReadError = 14;
    /// <summary>tshark: write error.</summary>
    public const int WriteError = 15;
    /// <summary>tshark: capture error.</summary>
    public const int CaptureError = 17;
    /// <summary>Capturing is not permitted: not root and no CAP_NET_RAW (EX_NOPERM in sysexits.h).</summary>
    public const int NoPermission = 77;
    /// <summary>
    /// --fail-on: nothing in the input could be analysed (no packets, or none held TCP the decoder reads), so there is
    /// no verdict to give (EX_DATAERR in sysexits.h).
    /// </summary>
    public const int NothingAnalysed = 65;
    /// <summary>explain: a log could not be used (binary data, no timestamps, unreadable); the rest was still analysed and reported (EX_DATAERR).</summary>
    public const int LogUnusable = 65;
    /// <summary>capture --kernel-reasons: the kernel names no reasons (older than 6.10) or tracefs refused; captured without them (EX_UNAVAILABLE).</summary>
    public const int KernelReasonsUnavailable = 69;
    /// <summary>capture --kernel-reasons: tracefs is not mounted; captured without the reasons (EX_OSFILE).</summary>
    public const int TracefsNotMounted = 72;
    /// <summary>Invalid command-line usage (EX_USAGE).</summary>
    public const int UsageError = 64;
    /// <summary>A bug in this tool (EX_SOFTWARE); reported in one line, never as a stack trace.</summary>
    public const int InternalError = 70;
}
