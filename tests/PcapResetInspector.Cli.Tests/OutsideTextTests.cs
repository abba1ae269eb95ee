using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Tests;

public sealed class ControlCharactersInNamesFactAttribute : FactAttribute
{
    public ControlCharactersInNamesFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "Windows file names cannot hold control characters; the missing-file test covers the message";
    }
}

/// <summary>EACCES needs an unprivileged process: as root, the test runs the command as 'nobody' through setpriv.</summary>
public sealed class CanDropToNobodyFactAttribute : FactAttribute
{
    public CanDropToNobodyFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
            Skip = "needs Linux, root and setpriv to run the command as 'nobody' (root passes every permission check)";
    }
}

/// <summary>
/// Issue 17, item 8: text from outside (file names above all) reaches the terminal with its control
/// characters escaped, and an input behind a directory we may not enter is "permission denied".
/// </summary>
public sealed class OutsideTextTests : IDisposable
{
    private const string Evil = "evil\u001b[31m\nsecond line.pcap";
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-text-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static void AssertOneSafeLine(string text)
    {
        string line = text.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains("evil\\x1B[31m\\x0Asecond line.pcap", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain name.pcap", "plain name.pcap")]
    [InlineData("a\u001b[2Jb", "a\\x1B[2Jb")]
    [InlineData("tab\there", "tab\\x09here")]
    [InlineData("nul\0del\u007f", "nul\\x00del\\x7F")]
    [InlineData("c1\u009b31m\u0085", "c1\\x9B31m\\x85")]
    [InlineData("café 日本 \u00a0", "café 日本 \u00a0")]
    public void SafeText_EscapesC0DelAndC1_AndNothingElse(string text, string expected) =>
        Assert.Equal(expected, SafeText.Escape(text));

    [Fact]
    public void MissingFile_WithEscapeAndNewlineInItsName_IsOneLineWithoutRawControls()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(_scratch, Evil));
        Assert.Equal(ExitCodes.OpenError, r.ExitCode);
        AssertOneSafeLine(r.Error);
        Assert.Contains("no such file", r.Error, StringComparison.Ordinal);
    }

    [ControlCharactersInNamesFact]
    public void NotACapture_WithEscapeAndNewlineInItsName_IsOneLineWithoutRawControls()
    {
        string path = Path.Combine(_scratch, Evil);
        File.WriteAllText(path, "this is not a capture file at all");
        CliResult r = CliRunner.Run("analyze", path);
        Assert.Equal(ExitCodes.InvalidCaptureFile, r.ExitCode);
        AssertOneSafeLine(r.Error);
    }

    [Fact]
    public void AnOutputName_IsEscapedToo()
    {
        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "-o", Path.Combine(_scratch, "no-such-dir", Evil + ".csv"));
        Assert.Equal(ExitCodes.WriteError, r.ExitCode);
        AssertOneSafeLine(r.Error);
    }

    [Fact]
    public void InputOpenErrors_SayPermissionDenied_ForAccessErrors_AndNoSuchFile_OnlyForMissingOnes()
    {
        Assert.Equal("pcap-reset-inspector: cannot open 'x.pcap': permission denied",
            OutputFiles.InputOpenError("x.pcap", new UnauthorizedAccessException("Access to the path 'x.pcap' is denied.")));
        Assert.Equal("pcap-reset-inspector: 'x.pcap': no such file", OutputFiles.InputOpenError("x.pcap", new FileNotFoundException()));
        Assert.Equal("pcap-reset-inspector: 'x.pcap': no such file", OutputFiles.InputOpenError("x.pcap", new DirectoryNotFoundException()));
    }

    [CanDropToNobodyFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the attribute skips it elsewhere
    public void AFileInADirectoryWeCannotEnter_IsPermissionDenied_NotNoSuchFile()
    {
        string locked = Path.Combine(_scratch, "locked");
        Directory.CreateDirectory(locked);
        File.Copy(Path.Combine(RepositoryPaths.Captures, "refused.pcap"), Path.Combine(locked, "in.pcap"));
        File.SetUnixFileMode(_scratch, (UnixFileMode)0x1ED); // 0755: nobody may pass
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700: nobody may not
        string cli = Path.Combine(AppContext.BaseDirectory, "pcap-reset-inspector.dll");

        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", cli, "analyze", Path.Combine(locked, "in.pcap")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["HOME"] = "/tmp";
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var process = System.Diagnostics.Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(ExitCodes.OpenError, process.ExitCode);
        Assert.Contains("in.pcap': permission denied", error, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", error, StringComparison.Ordinal);
    }
}
