namespace PcapResetInspector.LibPcap;

/// <summary>Why a live capture could not start (or an interface listing failed).</summary>
public enum LiveCaptureErrorKind
{
    /// <summary>Not root and without CAP_NET_RAW (Linux), no access to /dev/bpf (macOS), Npcap restricted to Administrators.</summary>
    PermissionDenied,
    NoSuchDevice,
    InterfaceNotUp,
    /// <summary>libpcap refused the filter expression.</summary>
    BadFilter,
    LibPcapMissing,
    Other,
}

/// <summary>A live capture failure, with a message meant for the user as it is.</summary>
public sealed class LiveCaptureException : Exception
{
    public LiveCaptureException(LiveCaptureErrorKind kind, string message, string? libPcapMessage = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        LibPcapMessage = libPcapMessage;
    }

    public LiveCaptureErrorKind Kind { get; }

    /// <summary>libpcap's own text (pcap_geterr or the error buffer) when it gave one.</summary>
    public string? LibPcapMessage { get; }
}
