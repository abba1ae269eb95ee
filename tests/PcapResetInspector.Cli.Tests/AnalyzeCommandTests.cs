using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>Parse-and-invoke tests of `analyze`: what users type, the exit codes and the messages they get.</summary>
public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-cli-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string Sample(string name) => Path.Combine(RepositoryPaths.Captures, name);

    [Fact]
    public void TablePrintsCountsAndTheResetConnections()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("16 (1,116 bytes captured) from 1 file", Report.Value(r.Output, "Packets"), StringComparison.Ordinal);
        Assert.StartsWith("16 (SYN 5, FIN 2, RST 3;", Report.Value(r.Output, "TCP segments"), StringComparison.Ordinal);
        Assert.StartsWith("4, of which 3 saw a RST", Report.Value(r.Output, "Connections"), StringComparison.Ordinal);
        Assert.Equal(3, r.Output.Split('\n').Count(l => l.Contains("  REJ Sr  ", StringComparison.Ordinal)));
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void TableExplainsEachFlaggedConnection_MostSeriousFirst()
    {
        CliResult race = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"));
        Assert.Contains("Flagged 2 (benign 2); 2 race group(s)", race.Output, StringComparison.Ordinal);
        Assert.Contains("BENIGN  smb-race-loser  ", race.Output, StringComparison.Ordinal);
        Assert.Contains("variant B", race.Output, StringComparison.Ordinal);
        Assert.Contains("variant A", race.Output, StringComparison.Ordinal);
        Assert.Contains("log hint: smbd reading from it:", race.Output, StringComparison.Ordinal);

        CliResult abort = CliRunner.Run("analyze", Sample("server-abort.pcap"));
        Assert.Contains("BENIGN  abortive-close  ", abort.Output, StringComparison.Ordinal);
        Assert.Contains("reset by the server (responder), established-with-data", abort.Output, StringComparison.Ordinal);

        CliResult refused = CliRunner.Run("analyze", Sample("refused.pcap"));
        Assert.Equal(3, refused.Output.Split('\n').Count(l => l.StartsWith("  ACTIONABLE  refused  ", StringComparison.Ordinal)));
        Assert.Contains("evidence: SYN from client 10.1.1.50 answered by RST,ACK (seq 0, ack = ISN+1)", refused.Output, StringComparison.Ordinal);

        CliResult normal = CliRunner.Run("analyze", Sample("normal-session.pcap"));
        Assert.Contains("No resets:", normal.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Flagged connections", normal.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOptionAndNoCommand_WorkAsTcpdumpUsersTypeThem()
    {
        CliResult viaR = CliRunner.Run("-r", Sample("server-abort.pcap"));
        CliResult viaAnalyze = CliRunner.Run("analyze", Sample("server-abort.pcap"));
        Assert.Equal(0, viaR.ExitCode);
        Assert.Contains("ShADadr", viaR.Output, StringComparison.Ordinal);
        Assert.Equal(StripTiming(viaAnalyze.Output), StripTiming(viaR.Output));
    }

    [Fact]
    public void SeveralFilesAreOneTimeline()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), Sample("server-abort.pcap"));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("28 ", Report.Value(r.Output, "Packets"), StringComparison.Ordinal);
        Assert.Contains("from 2 files", Report.Value(r.Output, "Packets"), StringComparison.Ordinal);
        Assert.StartsWith("5, of which 4 saw a RST", Report.Value(r.Output, "Connections"), StringComparison.Ordinal);
    }

    [Fact]
    public void GzipCompressedInput_IsReadByItsMagic()
    {
        string gz = Path.Combine(_scratch, "capture.bin");
        using (var output = File.Create(gz))
        using (var zip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
            zip.Write(File.ReadAllBytes(Sample("refused.pcap")));
        CliResult r = CliRunner.Run("analyze", gz);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("4, of which 3 saw a RST", Report.Value(r.Output, "Connections"), StringComparison.Ordinal);
    }

    [Fact]
    public void StandardInput_IsReadForDash()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var worker = new Commands.AnalyzeWorker(output, error, () => new MemoryStream(File.ReadAllBytes(Sample("refused.pcap"))), Reporting.TerminalInfo.None);
        int code = worker.Run(new Commands.AnalyzeSettings { Inputs = ["-"] }, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.StartsWith("4, of which 3 saw a RST", Report.Value(output.ToString(), "Connections"), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_IsOpenError9()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(_scratch, "nope.pcap"));
        Assert.Equal(ExitCodes.OpenError, r.ExitCode);
        Assert.Contains("nope.pcap': no such file", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_IsOpenError9()
    {
        CliResult r = CliRunner.Run("analyze", _scratch);
        Assert.Equal(ExitCodes.OpenError, r.ExitCode);
        Assert.Contains("is a directory", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void NotACapture_IsInvalidFile3_WithTheMagicFound()
    {
        string text = Path.Combine(_scratch, "notes.txt");
        File.WriteAllText(text, "hello, this is not a capture");
        CliResult r = CliRunner.Run("analyze", text);
        Assert.Equal(ExitCodes.InvalidCaptureFile, r.ExitCode);
        Assert.Contains("notes.txt: error at byte offset 0:", r.Error, StringComparison.Ordinal);
        Assert.Contains("68 65 6c 6c", r.Error.ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedLastRecord_IsAWarning_AndEverythingBeforeIsReported()
    {
        byte[] whole = File.ReadAllBytes(Sample("server-abort.pcap"));
        string cut = Path.Combine(_scratch, "cut.pcap");
        File.WriteAllBytes(cut, whole[..^20]);
        CliResult r = CliRunner.Run("analyze", cut);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("cut.pcap: warning at byte offset", r.Error, StringComparison.Ordinal);
        Assert.StartsWith("11 ", Report.Value(r.Output, "Packets"), StringComparison.Ordinal);
    }

    [Fact]
    public void ImpossibleRecordLength_IsReadError14_AfterReportingWhatCameBefore()
    {
        byte[] bytes = File.ReadAllBytes(Sample("refused.pcap"));
        // Second record header: after the 24-byte file header and the first record.
        int firstLength = BitConverter.ToInt32(bytes, 24 + 8);
        int second = 24 + 16 + firstLength;
        BitConverter.GetBytes(0x7FFF_FFF0).CopyTo(bytes, second + 8);
        string damaged = Path.Combine(_scratch, "damaged.pcap");
        File.WriteAllBytes(damaged, bytes);
        CliResult r = CliRunner.Run("analyze", damaged);
        Assert.Equal(ExitCodes.ReadError, r.ExitCode);
        Assert.Contains($"damaged.pcap: error at byte offset {second}:", r.Error, StringComparison.Ordinal);
        Assert.StartsWith("1 ", Report.Value(r.Output, "Packets"), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOption_IsUsageError64()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "--no-such-option");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("--no-such-option", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("analyze", "analyze")]
    [InlineData("capture", "capture")]
    [InlineData("explain", "explain")]
    [InlineData("-r", "analyze")] // no command: analyze is implied
    public void UnknownOption_PointsToTheHelpOfItsCommand(string command, string help)
    {
        CliResult r = CliRunner.Run(command, Sample("refused.pcap"), "--no-such-option");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.EndsWith($"Try 'pcap-reset-inspector {help} --help' for usage.\n", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommandLevelOption_StillPointsToTheTopLevelHelp()
    {
        CliResult r = CliRunner.Run("--no-such-option");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("Try 'pcap-reset-inspector ", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-n")]
    [InlineData("-nn")]
    public void DashN_IsAcceptedAndIgnored_AsTcpdumpUsersTypeIt(string option)
    {
        CliResult plain = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "csv");
        CliResult r = CliRunner.Run("analyze", option, Sample("refused.pcap"), "--format", "csv");
        Assert.Equal(plain.ExitCode, r.ExitCode);
        Assert.Equal(plain.Output, r.Output);
        Assert.Equal(plain.ExitCode, CliRunner.Run(option, "-r", Sample("refused.pcap"), "--format", "csv").ExitCode);
    }

    [Fact]
    public void DashN_IsInTheHelpOfAnalyzeAndCapture()
    {
        Assert.Contains("(no name resolution) and ignored", CliRunner.Run("analyze", "--help").Output, StringComparison.Ordinal);
        Assert.Contains("(no name resolution) and ignored", CliRunner.Run("capture", "--help").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void BadFormatValue_IsUsageError64()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "xml");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
    }

    [Fact]
    public void NoInput_IsUsageError64()
    {
        CliResult r = CliRunner.Run("analyze");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("no capture file given", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputFile_IsWrittenWhole_AndUnwritableOutputIsWriteError15()
    {
        string log = Path.Combine(_scratch, "conn.log");
        CliResult ok = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "zeek", "-o", log);
        Assert.Equal(0, ok.ExitCode);
        Assert.EndsWith("\n", File.ReadAllText(log), StringComparison.Ordinal);
        Assert.Contains("#close", File.ReadAllText(log), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_scratch, "*.partial"));

        CliResult bad = CliRunner.Run("analyze", Sample("refused.pcap"), "--format", "zeek", "-o", Path.Combine(_scratch, "missing-dir", "conn.log"));
        Assert.Equal(ExitCodes.WriteError, bad.ExitCode);
        Assert.Contains("cannot write", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapNgFromTheBuilder_ReadsLikeThePcap()
    {
        string ng = Path.Combine(_scratch, "race.pcapng");
        File.WriteAllBytes(ng, SampleCaptures.SmbRace139And445().ToPcapNgBytes());
        CliResult a = CliRunner.Run("analyze", ng, "--format", "zeek", "--all");
        CliResult b = CliRunner.Run("analyze", Sample("smb-race-139-445.pcap"), "--format", "zeek", "--all");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(b.Output, a.Output);
    }

    private static string StripTiming(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"in [0-9.]+ s", "in - s");
}
