using static PcapResetInspector.Cli.Tests.ExplainScene;

namespace PcapResetInspector.Cli.Tests;

/// <summary>`explain` given logs it cannot use: each is reported in one line and the rest is still explained.</summary>
public sealed class ExplainLogProblemsTests : IDisposable
{
    private readonly ExplainScene _scene = new();

    public void Dispose() => _scene.Dispose();

    private string SshLog() => _scene.WriteLog("auth.log",
        $"{Syslog(_scene.SshReset)} host sshd[123]: Connection reset by 10.0.0.7 port 50412 [preauth]\n");

    [Fact]
    public void A_binary_log_is_named_in_one_line_exits_65_and_the_other_log_is_still_explained()
    {
        string binary = _scene.PathOf("core.dump");
        byte[] bytes = new byte[20_000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(binary, bytes);

        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", binary, "--log", SshLog(), _scene.Capture);

        Assert.Equal(65, result.ExitCode);
        string error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("core.dump", error);
        Assert.Contains("not a text log", error);
        Assert.Contains("Capture: ", result.Output);
        Assert.Contains("1 reset line: 1 actionable", result.Output);
        Assert.Contains("auth.log: 1 line, 1 about resets", result.Output);
        Assert.Contains("auth.log:1", result.Output);
    }

    [Fact]
    public void A_binary_log_alone_still_gets_the_capture_analysed()
    {
        string binary = _scene.PathOf("log.bin");
        File.WriteAllBytes(binary, [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00]);

        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", binary, _scene.Capture);

        Assert.Equal(65, result.ExitCode);
        Assert.Contains("log.bin", result.Error);
        Assert.Contains("Capture: ", result.Output);
        Assert.Contains("6 with a RST", result.Output);
    }

    [Fact]
    public void A_missing_log_exits_9_naming_it()
    {
        string missing = _scene.PathOf("log.nothere");

        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", missing, "--log", SshLog(), _scene.Capture);

        Assert.Equal(9, result.ExitCode);
        Assert.Contains("log.nothere", result.Error);
        Assert.Contains("no such file", result.Error);
        Assert.Contains("auth.log:1", result.Output);
    }

    [Fact]
    public void A_log_without_reset_lines_says_so_and_exits_0()
    {
        string log = _scene.WriteLog("log.smbd",
            "[2024/03/11 09:00:00.100000,  2] ../../source3/smbd/service.c:1125(close_cnum)\n" +
            "  ws (ipv4:10.20.1.7:50412) closed connection to service share\n");

        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, _scene.Capture);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No reset lines", result.Output);
        Assert.Contains("2 lines, 0 about resets, 2 skipped", result.Output);
    }

    [Fact]
    public void Lines_over_64_KiB_are_counted_and_skipped_and_the_lines_after_them_are_read()
    {
        string huge = new('x', 200 * 1024);
        string log = _scene.WriteLog("error.log",
            $"{Nginx(_scene.WebReset)} [info] 1#1: *1 {huge} Connection reset by peer client: 10.0.0.7\n" +
            huge + "\n" +
            $"{Nginx(_scene.WebReset)} [info] 1234#1234: *5 recv() failed (104: Connection reset by peer) while reading client request line, client: 10.0.0.7, server: example.com\n");

        CliResult result = CliRunner.Run("explain", "--no-progress", "--log", log, _scene.Capture, "--format", "json");

        Assert.True(result.ExitCode == 0, result.Error);
        var row = Assert.Single(Rows(result.Output));
        Assert.Equal(3, row.GetProperty("log.line").GetInt32());
        Assert.Equal("address", row.GetProperty("match").GetString());
        Assert.Contains("2 over 64 KiB", result.Error);
    }
}
