using PcapResetInspector.Core.Kernel;

namespace PcapResetInspector.LibPcap.Kernel;

/// <summary>
/// Gives a received RST the state its socket was in: tcp_reset() fires tcp_receive_reset, then tcp_done() moves the
/// socket to TCP_CLOSE, which inet_sock_set_state reports with the old state (net/ipv4/tcp_input.c, tcp.c). The
/// close of the same socket within <see cref="WindowNanos"/> after the event is taken as its own. Bounded: at most
/// <see cref="MaxWaiting"/> events wait, the oldest giving up first.
/// </summary>
internal sealed class ReceiverStatePairing(IKernelResetSink sink)
{
    /// <summary>Both happen in one softirq, microseconds apart; the rest is margin.</summary>
    public const long WindowNanos = 10_000_000;

    public const int MaxWaiting = 1024;

    private readonly List<KernelResetEvent> _waiting = [];

    /// <summary>Whether a close line is worth parsing (most closes follow no RST).</summary>
    public bool Waiting => _waiting.Count > 0;

    public void Received(KernelResetEvent e)
    {
        if (_waiting.Count == MaxWaiting)
            _waiting.RemoveAt(0);
        _waiting.Add(e);
    }

    public void Closed(SocketClose close)
    {
        for (int i = _waiting.Count - 1; i >= 0; i--)
        {
            KernelResetEvent e = _waiting[i];
            long after = close.TimeNanos - e.TimeNanos;
            if (after > WindowNanos)
            {
                _waiting.RemoveAt(i); // too old to be given a state now
                continue;
            }
            if (after >= 0 && e.LocalPort == close.LocalPort && e.RemotePort == close.RemotePort &&
                e.LocalAddress == close.LocalAddress && e.RemoteAddress == close.RemoteAddress)
            {
                _waiting.RemoveAt(i);
                sink.SetReceiverState(e, close.OldState);
                return;
            }
        }
    }
}
