namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>Why the kernel's reset reasons cannot be read here.</summary>
public enum KernelReasonsProblemKind
{
    /// <summary>Not root: tracefs's control files are root's.</summary>
    NotRoot,
    /// <summary>No tracefs at the expected place.</summary>
    NotMounted,
    /// <summary>tcp_send_reset has no reason field: the kernel is older than 6.10 (or lacks the tcp events).</summary>
    NoReasons,
    /// <summary>tracefs refused a step (an instance, the clock, the events).</summary>
    Failed,
}

/// <summary>A one-line account of why the reasons are not read; the capture goes on without them.</summary>
public sealed class KernelReasonsException(KernelReasonsProblemKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public KernelReasonsProblemKind Kind { get; } = kind;
}
