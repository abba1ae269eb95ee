using PcapResetInspector.Core.Kernel;
using PcapResetInspector.Core.Net;
using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>trace_pipe lines as Linux 6.18 prints them (include/trace/events/tcp.h print fmts).</summary>
public sealed class TraceLineTests
{
    [Fact]
    public void SendReset_IPv4_TakesTheSourceAsLocal_AndTheReason()
    {
        const string line = "         python3-22174   [001] ..s1. 29402.241393: tcp_send_reset: skbaddr=00000000e7f5a4f5 " +
                            "skaddr=0000000000000000 src=127.0.0.1:1 dest=127.0.0.1:52272 state=UNKNOWN reason=NO_SOCKET";
        Assert.True(TraceLine.TryParse(line, 1_000_000_000, out KernelResetEvent? e));
        Assert.Equal(KernelResetDirection.Sent, e!.Direction);
        Assert.Equal((IpAddress128.Parse("127.0.0.1"), (ushort)1), (e.LocalAddress, e.LocalPort));
        Assert.Equal((IpAddress128.Parse("127.0.0.1"), (ushort)52272), (e.RemoteAddress, e.RemotePort));
        Assert.Equal(("NO_SOCKET", (string?)null), (e.Reason, e.State));
        Assert.Equal(29403_241_393_000L, e.TimeNanos);
    }

    [Fact]
    public void SendReset_IPv6_InATaskNameWithSpaces()
    {
        const string line = "  .NET TP Worker-1286    [001] ..... 30124.562266: tcp_send_reset: skbaddr=0000000000000000 " +
                            "skaddr=0000000053803c93 src=[2001:db8::1]:443 dest=[2001:db8::2]:59930 state=TCP_CLOSE reason=TCP_STATE";
        Assert.True(TraceLine.TryParse(line, 0, out KernelResetEvent? e));
        Assert.Equal((IpAddress128.Parse("2001:db8::1"), (ushort)443, "TCP_CLOSE", "TCP_STATE"), (e!.LocalAddress, e.LocalPort, e.State, e.Reason));
        Assert.Equal(30124_562_266_000L, e.TimeNanos);
    }

    [Fact]
    public void ReceiveReset_TakesTheSocketsOwnAddresses()
    {
        const string line = "python3-22174 [001] ..... 29402.241400: tcp_receive_reset: family=AF_INET sport=52272 dport=1 " +
                            "saddr=127.0.0.1 daddr=127.0.0.2 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.2 sock_cookie=2";
        Assert.True(TraceLine.TryParse(line, 0, out KernelResetEvent? e));
        Assert.Equal(KernelResetDirection.Received, e!.Direction);
        Assert.Equal((IpAddress128.Parse("127.0.0.1"), (ushort)52272, IpAddress128.Parse("127.0.0.2"), (ushort)1),
            (e.LocalAddress, e.LocalPort, e.RemoteAddress, e.RemotePort));
    }

    [Fact]
    public void SendReset_OfAListener_NamesNoPeer()
    {
        // Measured on Linux 6.18: a bare ACK to a listener bound to 127.0.0.1 (to 0.0.0.0 the source is 0.0.0.0:PORT).
        const string line = "python3-31028 [000] ..s1. 33589.589505: tcp_send_reset: skbaddr=000000006f49d38e " +
                            "skaddr=00000000916379ce src=127.0.0.1:40301 dest=0.0.0.0:0 state=TCP_LISTEN reason=TCP_FLAGS";
        Assert.True(TraceLine.TryParse(line, 0, out KernelResetEvent? e));
        Assert.Equal((IpAddress128.Parse("127.0.0.1"), (ushort)40301, IpAddress128.Parse("0.0.0.0"), (ushort)0, "TCP_LISTEN"),
            (e!.LocalAddress, e.LocalPort, e.RemoteAddress, e.RemotePort, e.State));
    }

    [Fact]
    public void SetState_ToClose_GivesTheOldState()
    {
        const string line = "python3-31028 [000] ..s2. 33589.740415: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP " +
                            "sport=58650 dport=40301 saddr=127.0.0.1 daddr=127.0.0.2 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.2 " +
                            "oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE";
        Assert.True(TraceLine.IsStateChange(line));
        Assert.False(TraceLine.TryParse(line, 0, out _)); // not a reset
        Assert.True(TraceLine.TryParseClose(line, 1_000_000_000, out SocketClose? close));
        Assert.Equal(new SocketClose(33590_740_415_000L, IpAddress128.Parse("127.0.0.1"), 58650, IpAddress128.Parse("127.0.0.2"), 40301, "TCP_ESTABLISHED"), close);
    }

    [Theory]
    [InlineData("oldstate=TCP_SYN_SENT newstate=TCP_ESTABLISHED", "IPPROTO_TCP")]
    [InlineData("oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE", "IPPROTO_SCTP")]
    public void SetState_OfAnotherKind_IsNoClose(string states, string protocol)
    {
        string line = $"x-1 [000] ..... 1.000001: inet_sock_set_state: family=AF_INET6 protocol={protocol} sport=1 dport=2 " +
                      $"saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=2001:db8::1 daddrv6=2001:db8::2 {states}";
        Assert.False(TraceLine.TryParseClose(line, 0, out _));
    }

    [Theory]
    [InlineData("<...>-32642 [001] ...1. 30116.575190: tracing_mark_write: hello")]
    [InlineData("x-1 [001] ..... notatime: tcp_send_reset: src=127.0.0.1:1 dest=127.0.0.1:2 reason=NO_SOCKET")]
    [InlineData("x-1 [001] ..... 1.5: tcp_send_reset: src=127.0.0.1 dest=127.0.0.1:2 reason=NO_SOCKET")]
    public void OtherLines_AreNotEvents(string line)
    {
        Assert.False(TraceLine.TryParse(line, 0, out _));
    }
}
