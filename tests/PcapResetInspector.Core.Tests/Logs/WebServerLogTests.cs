using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Logs.LogTestKit;

namespace PcapResetInspector.Core.Tests.Logs;

public class NginxLogTests
{
    [Fact]
    public void A_client_reset_names_the_client_without_port()
    {
        LogResetLine line = Single(
            "2024/03/11 09:00:01 [info] 1234#1234: *5 recv() failed (104: Connection reset by peer) while reading client request line, client: 10.0.0.7, server: example.com\n");
        Assert.Equal(1, line.LineNumber);
        Assert.Equal(LogFormat.Nginx, line.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1), line.LocalTime);
        Assert.Null(line.Offset);
        Assert.Equal("recv() failed (104: Connection reset by peer) while reading client request line, client: 10.0.0.7, server: example.com", line.Message);
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.Null(line.ClientPort);
        Assert.Null(line.ServerAddress);
        Assert.Equal("nginx recv() failed (104: Connection reset by peer) while reading client request line", line.Detail);
    }

    [Fact]
    public void A_reset_from_upstream_is_nginx_own_connection_to_the_upstream()
    {
        LogResetLine line = Single(
            "2024/03/11 09:00:01 [error] 1234#1234: *5 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.0.0.7, server: example.com, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:8080/\", host: \"x\"\n");
        Assert.Null(line.ClientAddress);
        Assert.Null(line.ClientPort);
        Assert.Equal(Ip("127.0.0.1"), line.ServerAddress);
        Assert.Equal((ushort)8080, line.ServerPort);
        Assert.Contains("upstream was reset", line.Detail);
    }

    [Fact]
    public void Readv_writev_ssl_and_ipv6_upstream_variants()
    {
        LogReadResult result = Read(
            "2024/03/11 09:00:01 [error] 7#7: *1 readv() failed (104: Connection reset by peer) while reading upstream, client: 2001:db8::7, server: _, request: \"GET / HTTP/1.1\", upstream: \"http://[2001:db8::9]:8080/x\", host: \"x\"\n" +
            "2024/03/11 09:00:02 [info] 7#7: *2 writev() failed (104: Connection reset by peer) while sending to client, client: 10.0.0.8, server: _\n" +
            "2024/03/11 09:00:03 [info] 7#7: *3 SSL_read() failed (SSL: error:0A000126) (104: Connection reset by peer) while keepalive, client: 10.0.0.9, server: 0.0.0.0:443\n" +
            "2024/03/11 09:00:04 [info] 7#7: *4 SSL_do_handshake() failed (SSL: error) (104: Connection reset by peer) while SSL handshaking, client: 10.0.0.10, server: 0.0.0.0:443\n" +
            "2024/03/11 09:00:05 [info] 7#7: *5 peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking, client: 10.0.0.11, server: 0.0.0.0:443\n" +
            "2024/03/11 09:00:06 [info] 7#7: *6 peer closed connection in SSL handshake while SSL handshaking, client: 10.0.0.12, server: 0.0.0.0:443\n" +
            "2024/03/11 09:00:07 [error] 7#7: *7 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.13, server: _\n");
        Assert.Equal(6, result.Resets.Count);
        Assert.Equal(1, result.LinesSkipped);
        Assert.Null(result.Resets[0].ClientAddress);
        Assert.Equal(Ip("2001:db8::9"), result.Resets[0].ServerAddress);
        Assert.Equal((ushort)8080, result.Resets[0].ServerPort);
        Assert.Equal(Ip("10.0.0.8"), result.Resets[1].ClientAddress);
        Assert.Equal(Ip("10.0.0.9"), result.Resets[2].ClientAddress);
        Assert.Equal(Ip("10.0.0.10"), result.Resets[3].ClientAddress);
        Assert.Contains("(reset)", result.Resets[4].Detail);
        Assert.Contains("reset or close", result.Resets[5].Detail);
        Assert.All(result.Resets, r => Assert.Equal(LogFormat.Nginx, r.Format));
    }
}

public class ApacheLogTests
{
    [Fact]
    public void Apache_2_4_client_reset_with_port_and_microseconds()
    {
        LogResetLine line = Single(
            "[Mon Mar 11 09:00:01.123456 2024] [ssl:info] [pid 123:tid 456] (104)Connection reset by peer: [client 10.0.0.7:50412] AH01991: SSL input filter read failed.\n");
        Assert.Equal(LogFormat.Apache, line.Format);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1).AddTicks(1_234_560), line.LocalTime);
        Assert.Null(line.Offset);
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.Equal((ushort)50412, line.ClientPort);
        Assert.Null(line.ServerAddress);
        Assert.Equal("(104)Connection reset by peer: [client 10.0.0.7:50412] AH01991: SSL input filter read failed.", line.Message);
        Assert.Equal("Apache httpd (104)Connection reset by peer: AH01991 SSL input filter read failed", line.Detail);
    }

    [Fact]
    public void Apache_2_4_ipv6_client_port_follows_the_last_colon()
    {
        LogResetLine line = Single(
            "[Mon Mar 11 09:00:01.123456 2024] [core:info] [pid 123:tid 456] (104)Connection reset by peer: [client 2001:db8::7:50412] AH00574: ap_content_length_filter: apr_bucket_read() failed\n");
        Assert.Equal(Ip("2001:db8::7"), line.ClientAddress);
        Assert.Equal((ushort)50412, line.ClientPort);
    }

    [Fact]
    public void Apache_proxy_status_line_error_names_the_backend()
    {
        LogResetLine line = Single(
            "[Mon Mar 11 09:00:01.123456 2024] [proxy_http:error] [pid 123:tid 456] (104)Connection reset by peer: [client 10.0.0.7:50412] AH01102: error reading status line from remote server 127.0.0.1:8080\n");
        Assert.Null(line.ClientAddress);
        Assert.Equal(Ip("127.0.0.1"), line.ServerAddress);
        Assert.Equal((ushort)8080, line.ServerPort);
        Assert.Contains("backend", line.Detail);
    }

    [Fact]
    public void Apache_2_2_client_has_no_port()
    {
        LogReadResult result = Read(
            "[Mon Mar 11 09:00:01 2024] [error] [client 10.0.0.7] (104)Connection reset by peer: core_output_filter: writing data to the network\n" +
            "[Mon Mar 11 09:00:02 2024] [error] [client 10.0.0.8] File does not exist: /var/www/favicon.ico\n");
        LogResetLine line = Assert.Single(result.Resets);
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.Null(line.ClientPort);
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1), line.LocalTime);
        Assert.Equal(1, result.LinesSkipped);
    }
}
