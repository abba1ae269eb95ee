using System.Text.Json;
using static PcapResetInspector.Cli.Tests.ExplainScene;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// `explain` end to end on the real message texts of each server it reads, against a small generated
/// capture: what each line is matched to, and how.
/// </summary>
public sealed class ExplainLogFormatsTests : IDisposable
{
    private readonly ExplainScene _scene = new();

    public void Dispose() => _scene.Dispose();

    private JsonElement Only(string logName, string text, params string[] options)
    {
        string log = _scene.WriteLog(logName, text);
        CliResult result = CliRunner.Run(["explain", "--no-progress", "--log", log, _scene.Capture, "--format", "json", .. options]);
        Assert.True(result.ExitCode == 0, result.Error);
        return Assert.Single(Rows(result.Output));
    }

    private static void AssertConnection(JsonElement row, string client, int clientPort, int serverPort)
    {
        Assert.Equal(client, row.GetProperty("id.orig_h").GetString());
        Assert.Equal(clientPort, row.GetProperty("id.orig_p").GetInt32());
        Assert.Equal(serverPort, row.GetProperty("id.resp_p").GetInt32());
    }

    [Fact]
    public void Samba_3_0_recv_failure_names_no_client_and_is_matched_by_time_to_the_reset_on_445()
    {
        JsonElement row = Only("log.smbd",
            $"{Samba(_scene.SambaReset, hires: false)} lib/util_sock.c:read_socket_data(384)\n" +
            "  read_socket_data: recv failure for 4. Error = Connection reset by peer\n",
            "--log-utc-offset", "+01:00");
        Assert.Equal("time", row.GetProperty("match").GetString());
        Assert.Equal("+01:00", row.GetProperty("match.offset").GetString());
        AssertConnection(row, "10.20.1.7", 50412, 445);
        Assert.Equal("client", row.GetProperty("reset.by_role").GetString());
    }

    [Fact]
    public void A_per_client_log_named_after_the_address_gives_the_client_of_a_server_exit_line()
    {
        JsonElement row = Only("log.10.20.1.7",
            $"{Samba(_scene.SambaReset)} ../../source3/smbd/server_exit.c:235(exit_server_common)\n" +
            "  Server exit (failed to receive request length)\n");
        Assert.Equal("address", row.GetProperty("match").GetString());
        Assert.Equal("+01:00", row.GetProperty("match.offset").GetString());
        AssertConnection(row, "10.20.1.7", 50412, 445);
    }

    [Fact]
    public void A_per_client_log_named_after_the_netbios_name_gets_the_address_from_the_session_request_on_139()
    {
        string log = _scene.WriteLog("log.ws-0042",
            $"{Samba(_scene.NetBiosReset)} lib/util_sock.c:read_fd_with_timeout(525)\n" +
            "  read_fd_with_timeout: client 0.0.0.0 read error = Connection reset by peer.\n");
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, _scene.Capture);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("NetBIOS names learnt from session requests on port 139: 2", result.Output);
        Assert.Contains("the line names the client 10.20.1.8 without a port", result.Output);

        JsonElement row = Only("log.ws-0042", File.ReadAllText(log));
        Assert.Equal("address", row.GetProperty("match").GetString());
        AssertConnection(row, "10.20.1.8", 50500, 139);
    }

    [Fact]
    public void A_netbios_named_log_finds_a_client_that_closed_with_fin_and_says_nothing_was_reset()
    {
        JsonElement row = Only("log.ws-0043",
            $"{Samba(_scene.NetBiosFinClose)} ../../source3/smbd/server_exit.c:235(exit_server_common)\n" +
            "  Server exit (failed to receive request length)\n");
        Assert.Equal("address", row.GetProperty("match").GetString());
        AssertConnection(row, "10.20.1.9", 50600, 139);
        Assert.False(row.TryGetProperty("reset.cause", out _));
        Assert.StartsWith("No reset on the wire", row.GetProperty("advice").GetString());
    }

    [Fact]
    public void Nginx_client_reset_matches_by_address_and_an_upstream_reset_matches_nginx_own_connection()
    {
        string log = _scene.WriteLog("error.log",
            $"{Nginx(_scene.WebReset)} [info] 1234#1234: *5 recv() failed (104: Connection reset by peer) while reading client request line, client: 10.0.0.7, server: example.com\n" +
            $"{Nginx(_scene.UpstreamReset)} [error] 1234#1234: *6 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.0.0.7, server: example.com, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:8080/\", host: \"example.com\"\n");
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, _scene.Capture, "--format", "json");
        Assert.Equal(0, result.ExitCode);
        List<JsonElement> rows = Rows(result.Output);
        Assert.Equal(2, rows.Count);
        Assert.Equal("address", rows[0].GetProperty("match").GetString());
        AssertConnection(rows[0], "10.0.0.7", 51000, 80);
        Assert.Equal("exact", rows[1].GetProperty("match").GetString());
        AssertConnection(rows[1], WebServer, 40000, 8080);
        Assert.Equal("10.0.0.9", rows[1].GetProperty("id.resp_h").GetString());
        Assert.Equal("server", rows[1].GetProperty("reset.by_role").GetString());
    }

    [Fact]
    public void Sshd_through_syslog_is_matched_exactly()
    {
        JsonElement row = Only("auth.log",
            $"{Syslog(_scene.SshReset)} host sshd[123]: Connection reset by 10.0.0.7 port 50412 [preauth]\n");
        Assert.Equal("exact", row.GetProperty("match").GetString());
        Assert.Equal("sshd", row.GetProperty("log.format").GetString());
        AssertConnection(row, "10.0.0.7", 50412, 22);
    }

    [Fact]
    public void Postgresql_with_its_time_zone_and_remote_host_prefix_is_matched_exactly()
    {
        JsonElement row = Only("postgresql.log",
            $"{Iso(_scene.PostgresReset, "yyyy-MM-dd HH:mm:ss.fff")} CET [4242] 10.0.0.8(50600) LOG:  could not receive data from client: Connection reset by peer\n");
        Assert.Equal("exact", row.GetProperty("match").GetString());
        Assert.Equal("+01:00", row.GetProperty("match.offset").GetString());
        AssertConnection(row, "10.0.0.8", 50600, 5432);
    }

    [Fact]
    public void A_generic_econnreset_line_is_matched_by_time()
    {
        JsonElement row = Only("app.log",
            $"{Iso(_scene.PostgresReset)} worker[77]: read failed: ECONNRESET\n",
            "--log-utc-offset", "+01:00");
        Assert.Equal("generic", row.GetProperty("log.format").GetString());
        Assert.Equal("time", row.GetProperty("match").GetString());
        AssertConnection(row, "10.0.0.8", 50600, 5432);
    }

    [Fact]
    public void Csv_rows_lead_with_the_log_and_match_columns_then_analyze_columns()
    {
        string log = _scene.WriteLog("auth.log",
            $"{Syslog(_scene.SshReset)} host sshd[123]: Connection reset by 10.0.0.7 port 50412 [preauth]\n");
        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, _scene.Capture, "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        string[] header = lines[0].TrimEnd('\r').Split(',');
        Assert.Equal(["log_file", "log_line", "log_ts"], header[..3]);
        Assert.Equal(["match", "match_how", "match_offset", "match_candidates", "match_uids", "advice"], header[6..12]);
        Assert.Equal("uid", header[12]);
        Assert.Contains("client_addr", header);
        Assert.Contains("cause", header);
        Assert.Contains("verdict", header);
        string row = lines[1];
        Assert.StartsWith(log + ",1,", row);
        Assert.Contains(",exact,", row);
        Assert.Contains(",10.0.0.7,50412,", row);
        Assert.Contains("1 reset line", result.Error); // the summary goes beside the rows
    }
}
