using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Kernel;

/// <summary>Which of the two tcp tracepoints an event came from.</summary>
public enum KernelResetDirection
{
    /// <summary>tcp:tcp_send_reset: the local stack sent the RST, with its reason (include/trace/events/tcp.h).</summary>
    Sent,
    /// <summary>tcp:tcp_receive_reset: a local socket accepted a RST (no reason: the peer's stack chose it).</summary>
    Received,
}

/// <summary>
/// One reset as the local kernel reported it. The local endpoint is the event's source: tcp_send_reset's
/// saddr is the sender of the RST, tcp_receive_reset's saddr/sport the socket that took it.
/// </summary>
public sealed record KernelResetEvent(
    long TimeNanos,
    KernelResetDirection Direction,
    IpAddress128 LocalAddress,
    ushort LocalPort,
    IpAddress128 RemoteAddress,
    ushort RemotePort,
    string? State,
    string? Reason);
