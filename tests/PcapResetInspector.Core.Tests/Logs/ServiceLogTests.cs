using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Logs.LogTestKit;

namespace PcapResetInspector.Core.Tests.Logs;

public class SshdLogTests
{
    [Fact]
    public void Connection_reset_by_address_port_behind_rfc3164_takes_the_year_from_the_reference()
    {
        LogResetLine line = Single("Mar 11 09:00:01 host sshd[123]: Connection reset by 10.0.0.7 port 50412\n");
        Assert.Equal(LogFormat.Sshd, line.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1), line.LocalTime); // reference is 2024-06-01
        Assert.Null(line.Offset);
        Assert.Equal("Connection reset by 10.0.0.7 port 50412", line.Message);
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.Equal((ushort)50412, line.ClientPort);
        Assert.Null(line.ServerAddress);
        Assert.Equal("OpenSSH sshd Connection reset by peer", line.Detail);
    }

    [Fact]
    public void Preauth_identification_and_read_error_variants()
    {
        LogReadResult result = Read(
            "Dec 30 23:59:59 host sshd[124]: Connection reset by authenticating user root 10.0.0.8 port 50413 [preauth]\n" +
            "2024-03-11T09:00:01+0100 host sshd-session[125]: Connection reset by invalid user admin 2001:db8::8 port 50414 [preauth]\n" +
            "<34>1 2024-03-11T09:00:02.003+01:00 host sshd 126 - - kex_exchange_identification: read: Connection reset by peer\n" +
            "Mar 11 09:00:03 host sshd[127]: Read error from remote host 10.0.0.9 port 50415: Connection reset by peer\n" +
            "Mar 11 09:00:04 host ssh[128]: ssh_exchange_identification: read: Connection reset by peer\n" +
            "Mar 11 09:00:05 host sshd[129]: Connection closed by 10.0.0.10 port 50416 [preauth]\n");
        Assert.Equal(5, result.Resets.Count);
        Assert.Equal(1, result.LinesSkipped);
        Assert.Equal(new DateTime(2023, 12, 30, 23, 59, 59), result.Resets[0].LocalTime); // after the reference date: last year
        Assert.Equal(Ip("10.0.0.8"), result.Resets[0].ClientAddress);
        Assert.Contains("authenticating user root", result.Resets[0].Detail);
        Assert.Equal(Ip("2001:db8::8"), result.Resets[1].ClientAddress);
        Assert.Equal((ushort)50414, result.Resets[1].ClientPort);
        Assert.Equal(TimeSpan.FromHours(1), result.Resets[1].Offset);
        Assert.Null(result.Resets[2].ClientAddress);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 2, 3), result.Resets[2].LocalTime);
        Assert.Equal(TimeSpan.FromHours(1), result.Resets[2].Offset);
        Assert.StartsWith("OpenSSH 8.0+ kex_exchange_identification", result.Resets[2].Detail);
        Assert.Equal(Ip("10.0.0.9"), result.Resets[3].ClientAddress);
        Assert.Equal((ushort)50415, result.Resets[3].ClientPort);
        Assert.Equal(2024, result.Resets[3].LocalTime.Year); // the year seen on the dated lines above
        Assert.All(result.Resets, r => Assert.Equal(LogFormat.Sshd, r.Format));
    }
}

public class PostgreSqlLogTests
{
    [Fact]
    public void Zone_abbreviation_and_no_host_in_the_prefix()
    {
        LogResetLine line = Single("2024-03-11 09:00:01.123 CET [1234] user@db LOG:  could not receive data from client: Connection reset by peer\n");
        Assert.Equal(LogFormat.PostgreSql, line.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1, 123), line.LocalTime);
        Assert.Equal(TimeSpan.FromHours(1), line.Offset);
        Assert.Null(line.ClientAddress);
        Assert.Equal("PostgreSQL could not receive data from client (pqcomm.c)", line.Detail);
    }

    [Fact]
    public void Host_and_port_from_percent_r_and_host_from_percent_h()
    {
        LogReadResult result = Read(
            "2024-03-11 09:00:01 UTC 10.0.0.7(50412) LOG:  could not send data to client: Connection reset by peer\n" +
            "2024-03-11 09:00:02 +03 [99] 2001:db8::7(50413) LOG:  could not receive data from client: Connection reset by peer\n" +
            "2024-03-11 09:00:03.5 UTC [7] app 10.0.0.8 LOG:  could not receive data from client: Connection reset by peer\n" +
            "2024-03-11 09:00:04 UTC [7] LOG:  could not receive data from client: Connection timed out\n");
        Assert.Equal(3, result.Resets.Count);
        Assert.Equal(1, result.LinesSkipped);
        Assert.Equal(Ip("10.0.0.7"), result.Resets[0].ClientAddress);
        Assert.Equal((ushort)50412, result.Resets[0].ClientPort);
        Assert.Equal(TimeSpan.Zero, result.Resets[0].Offset);
        Assert.Equal("PostgreSQL could not send data to client (pqcomm.c)", result.Resets[0].Detail);
        Assert.Equal(Ip("2001:db8::7"), result.Resets[1].ClientAddress);
        Assert.Equal(TimeSpan.FromHours(3), result.Resets[1].Offset);
        Assert.Equal(Ip("10.0.0.8"), result.Resets[2].ClientAddress);
        Assert.Null(result.Resets[2].ClientPort);
    }
}

public class JavaLogTests
{
    [Fact]
    public void Logback_line_and_a_stack_trace_line_below_a_dated_entry()
    {
        LogReadResult result = Read(
            "2024-03-11 09:00:01,123 WARN  [http-nio-8080-exec-1] c.e.Client - peer 10.0.0.7:50412 failed: java.net.SocketException: Connection reset\n" +
            "2024-03-11T09:00:02.500Z ERROR [pool-1] o.e.Handler - request failed\n" +
            "java.net.SocketException: Connection reset by peer\n" +
            "\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:318)\n");
        Assert.Equal(2, result.Resets.Count);
        Assert.Equal(2, result.LinesSkipped);
        LogResetLine first = result.Resets[0];
        Assert.Equal(LogFormat.Java, first.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1, 123), first.LocalTime);
        Assert.Null(first.Offset);
        Assert.Equal(Ip("10.0.0.7"), first.ClientAddress);
        Assert.Equal((ushort)50412, first.ClientPort);
        Assert.Equal("Java java.net.SocketException: Connection reset", first.Detail);
        LogResetLine second = result.Resets[1];
        Assert.Equal(3, second.LineNumber);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 2, 500), second.LocalTime);
        Assert.Equal(TimeSpan.Zero, second.Offset);
        Assert.Null(second.ClientAddress);
    }
}
