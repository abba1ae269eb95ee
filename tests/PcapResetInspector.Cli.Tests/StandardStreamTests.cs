using System.Diagnostics;
using System.IO.Pipes;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// Inputs that are not files on disk (pipes, FIFOs, /dev/fd, standard input, a closed one), signals while
/// waiting on them, and a reader of standard output that leaves. Signals, closed descriptors and broken
/// pipes belong to a process, so those tests run the built command as a child.
/// </summary>
public sealed class StandardStreamTests
{
    /// <summary>How long a child may take before it counts as hanging; a bound on hanging, not a speed test.</summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(20);

    private static readonly Lazy<byte[]> Capture = new(() => CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = 17, MaxPackets = 60_000 }));

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "pcap-reset-inspector.dll");

    [LinuxFact]
    public void SigTerm_StopsARunWaitingOnAnIdlePipe_AndWritesWhatWasRead()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Dll, "analyze", "-", "--no-progress" })
            start.ArgumentList.Add(arg);
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        try
        {
            // More than a pipe holds: this write returns only once the child reads, which it does after
            // installing its signal handlers. Then standard input stays open and idle, like a quiet tcpdump.
            Stream stdin = child.StandardInput.BaseStream;
            stdin.Write(Capture.Value.AsSpan(0, 1 << 20));
            stdin.Flush();
            Signal(child.Id, "TERM");
            Assert.True(child.WaitForExit(HangBound), "still running after SIGTERM");
            Assert.Equal(0, child.ExitCode);
            Assert.Contains("interrupted; what was read so far has been analysed and written", error.Result, StringComparison.Ordinal);
            Assert.Matches(@"Packets:\s+[1-9][\d,]* ", output.Result);
        }
        finally
        {
            Stop(child);
        }
    }

    [Fact]
    public async Task Cancellation_GivesUpAReadOnAnIdleStandardInput()
    {
        // In-process twin of the SIGTERM test: the token is what the signals cancel.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var output = new StringWriter();
        var error = new StringWriter();
        var worker = new AnalyzeWorker(output, error, () => client);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Task<int> run = Task.Run(() => worker.Run(new AnalyzeSettings { Inputs = ["-"] }, cancel.Token));
        bool finished = await Task.WhenAny(run, Task.Delay(HangBound)) == run;
        pipe.Dispose(); // unblocks a read that was not given up, so a failing run does not outlive the test
        Assert.True(finished, "the read on the idle pipe was not given up");
        Assert.Equal(0, await run);
        Assert.Contains("interrupted", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Packets:       0 ", output.ToString(), StringComparison.Ordinal);
    }

    [LinuxFact]
    public void ClosedStandardInput_IsReportedAtOnce()
    {
        (int code, string _, string error) = RunShell($"exec dotnet '{Dll}' analyze - <&-");
        Assert.Equal(ExitCodes.OpenError, code);
        Assert.Equal("pcap-reset-inspector: standard input is closed\n", error);
    }

    [LinuxFact]
    public void ClosedStandardInput_DoesNotMatterWhenAFileIsRead()
    {
        (int code, string output, _) = RunShell($"exec dotnet '{Dll}' analyze '{Path.Combine(RepositoryPaths.Captures, "refused.pcap")}' <&-");
        Assert.Equal(0, code);
        Assert.Contains("Packets:       16 ", output, StringComparison.Ordinal);
    }

    [LinuxFact]
    public void ReaderOfStandardOutputLeaving_StopsTheRunQuietly()
    {
        using var dir = new TempDirectory();
        string capture = Path.Combine(dir.Path, "big.pcap");
        File.WriteAllBytes(capture, Capture.Value);
        string errors = Path.Combine(dir.Path, "stderr.txt");
        (int code, string output, _) = RunShell(
            $"dotnet '{Dll}' analyze '{capture}' --all --format csv 2>'{errors}' | head -1; exit ${{PIPESTATUS[0]}}", shell: "bash");
        Assert.StartsWith("uid,start_time,", output, StringComparison.Ordinal);
        Assert.Equal(0, code); // README: the reader leaving is not an error
        // Neither an error nor the summary of a run that went on to the end for nobody.
        Assert.Equal("", File.ReadAllText(errors));
    }

    [LinuxFact]
    public void BesideAnExportFile_TheFileIsKeptWhenTheSummarysReaderLeaves()
    {
        using var dir = new TempDirectory();
        string csv = Path.Combine(dir.Path, "flagged.csv");
        (int code, _, string error) = RunShell(
            $"dotnet '{Dll}' analyze '{Path.Combine(RepositoryPaths.Captures, "refused.pcap")}' -o '{csv}' | true; exit ${{PIPESTATUS[0]}}", shell: "bash");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith("uid,", File.ReadAllText(csv), StringComparison.Ordinal);
    }

    [LinuxFact]
    public void Fifo_IsReadWithAProgressLineThatCountsBytes()
    {
        using var dir = new TempDirectory();
        string fifo = Path.Combine(dir.Path, "capture.fifo");
        RunShell($"mkfifo '{fifo}'");
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.Captures, "smb-race-139-445.pcap"));
        Task writer = Task.Run(() => File.WriteAllBytes(fifo, bytes));
        var output = new StringWriter();
        var error = new StringWriter();
        // A terminal on standard error: the progress line is on, and it used to ask the FIFO for its length.
        var worker = new AnalyzeWorker(output, error, terminal: new TerminalInfo(false, true, 120, false));
        int code = worker.Run(new AnalyzeSettings { Inputs = [fifo] }, CancellationToken.None);
        Assert.True(writer.Wait(HangBound));
        Assert.True(code == 0, error.ToString());
        Assert.Contains("Packets:       21 ", output.ToString(), StringComparison.Ordinal);
    }

    [LinuxFact]
    public void DevFd_OfAPipe_IsRead()
    {
        // What `analyze <(cat f.pcap)` hands over: /dev/fd/N, a pipe.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.Captures, "refused.pcap"));
        Task writer = Task.Run(() => { pipe.Write(bytes); pipe.Dispose(); });
        var output = new StringWriter();
        var error = new StringWriter();
        var worker = new AnalyzeWorker(output, error, terminal: new TerminalInfo(false, true, 120, false));
        string path = "/dev/fd/" + client.SafePipeHandle.DangerousGetHandle();
        int code = worker.Run(new AnalyzeSettings { Inputs = [path] }, CancellationToken.None);
        Assert.True(writer.Wait(HangBound));
        Assert.True(code == 0, error.ToString());
        Assert.Contains("Packets:       16 ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressLine_OnStandardInput_CountsTheBytesRead_WithoutAPercentage()
    {
        var error = new StringWriter();
        using ProgressLine progress = ProgressLine.StartIf(true, error, ["-"])!;
        using var input = new ReadingStream(new NonSeekable(new MemoryStream(new byte[5000])), null, CancellationToken.None);
        progress.Begin("-", input);
        input.ReadExactly(new byte[3000]);
        progress.Draw();
        Assert.Contains("reading -: 3 KiB", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("%", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressLine_OnAFileOfKnownLength_ShowsTheShareReadFromTheCount()
    {
        string file = Path.Combine(RepositoryPaths.Captures, "refused.pcap");
        var error = new StringWriter();
        using ProgressLine progress = ProgressLine.StartIf(true, error, [file])!;
        using ReadingStream input = ReadingStream.OpenFile(file, CancellationToken.None);
        progress.Begin(file, input);
        input.ReadExactly(new byte[new FileInfo(file).Length / 2]);
        progress.Draw();
        Assert.Contains("[############------------]  50%", error.ToString(), StringComparison.Ordinal);
    }

    private static void Signal(int pid, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static void Stop(Process child)
    {
        if (!child.HasExited)
            child.Kill(entireProcessTree: true);
        child.WaitForExit();
    }

    /// <summary>Runs a shell line with no standard input of the test's own; fails the test if it hangs.</summary>
    private static (int Code, string Output, string Error) RunShell(string script, string shell = "/bin/sh")
    {
        var start = new ProcessStartInfo(shell) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(child.WaitForExit(HangBound), "hung: " + script);
            return (child.ExitCode, output.Result, error.Result);
        }
        finally
        {
            Stop(child);
            child.StandardInput.Close();
        }
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pri-streams-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Signals, /proc, FIFOs and /dev/fd as Linux has them.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "uses Linux's signals, /proc, FIFOs and /dev/fd";
    }
}
