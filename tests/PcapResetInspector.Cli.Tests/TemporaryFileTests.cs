using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Tests;

public sealed class LinuxOnlyFactAttribute : FactAttribute
{
    public LinuxOnlyFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "the planted-symlink attack is tested on Linux, where /tmp is a sticky shared directory";
    }
}

/// <summary>TMPDIR is process-wide: these tests run alone, after the parallel ones.</summary>
[CollectionDefinition("process environment", DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

/// <summary>
/// Issue 17, item 4, through the command in-process (so Environment.ProcessId is the PID the old names
/// used): symlinks planted in a sticky shared directory at every name the old scheme would pick for this
/// process and the next ones are never written through; the outputs are regular files.
/// </summary>
[Collection("process environment")]
public sealed class TemporaryFileTests : IDisposable
{
    private const string Precious = "root-owned content the attacker wants overwritten";
    private readonly string _shared;
    private readonly string _victims = Directory.CreateTempSubdirectory("pri-victims-").FullName;
    private readonly List<string> _plantedVictims = [];

    public TemporaryFileTests()
    {
        _shared = Directory.CreateTempSubdirectory("pri-sticky-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_shared, (UnixFileMode)0x1FF | UnixFileMode.StickyBit); // 1777, as /tmp
    }

    public void Dispose()
    {
        Directory.Delete(_shared, recursive: true);
        Directory.Delete(_victims, recursive: true);
    }

    private void PlantForLikelyPids(Func<int, string> oldName)
    {
        foreach (int pid in Enumerable.Range(Environment.ProcessId - 2, 40).Where(p => p > 0))
        {
            string victim = Path.Combine(_victims, "victim-" + pid);
            File.WriteAllText(victim, Precious);
            File.CreateSymbolicLink(Path.Combine(_shared, oldName(pid)), victim);
            _plantedVictims.Add(victim);
        }
    }

    private void AssertVictimsUntouched() =>
        Assert.All(_plantedVictims, victim => Assert.Equal(Precious, File.ReadAllText(victim)));

    private static void AssertRegularFile(string path)
    {
        Assert.True(File.Exists(path), path + " was not written");
        Assert.Null(new FileInfo(path).LinkTarget);
    }

    [LinuxOnlyFact]
    public void OutputAndExtract_InASharedDirectory_AreNotWrittenThroughPlantedLinks()
    {
        PlantForLikelyPids(pid => $".report.csv.{pid}.partial");
        PlantForLikelyPids(pid => $".flagged.pcap.{pid}.partial");
        string report = Path.Combine(_shared, "report.csv");
        string flagged = Path.Combine(_shared, "flagged.pcap");

        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "-o", report, "--write-flagged", flagged, "-q");

        Assert.True(r.ExitCode == 0, r.Error);
        AssertVictimsUntouched();
        AssertRegularFile(report);
        AssertRegularFile(flagged);
        Assert.StartsWith("uid,start_time,", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.True(new FileInfo(flagged).Length > 24, "the extract holds no packet");
    }

    [LinuxOnlyFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the attribute skips it elsewhere
    public void StandardInputSpool_InASharedTmpdir_IsRandomExclusiveAndOwnerOnly()
    {
        PlantForLikelyPids(pid => $"pcap-reset-inspector-stdin-{pid}.pcap");
        string flagged = Path.Combine(_victims, "flagged.pcap");
        byte[] capture = File.ReadAllBytes(Path.Combine(RepositoryPaths.Captures, "refused.pcap"));
        var spied = new List<(string Name, UnixFileMode Mode)>();
        // While the spool is being filled, note what was created in TMPDIR besides the planted links.
        Stream OpenInput() => new SpyStream(capture, () =>
        {
            foreach (string entry in Directory.GetFiles(_shared).Where(e => new FileInfo(e).LinkTarget is null))
                spied.Add((Path.GetFileName(entry), File.GetUnixFileMode(entry)));
        });

        string? saved = Environment.GetEnvironmentVariable("TMPDIR");
        int exitCode;
        var error = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("TMPDIR", _shared);
            Assert.Equal(_shared.TrimEnd('/') + "/", Path.GetTempPath());
            var settings = new AnalyzeSettings { Inputs = ["-"], WriteFlaggedPath = flagged, Output = new OutputSettings { Quiet = true } };
            exitCode = new AnalyzeWorker(new StringWriter(), error, OpenInput, TerminalInfo.None).Run(settings, CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", saved);
        }

        Assert.True(exitCode is 0 or ExitCodes.FindingsFound, error.ToString());
        AssertVictimsUntouched();
        var spool = Assert.Single(spied);
        Assert.Matches("^pcap-reset-inspector-stdin-[0-9a-f]{20}\\.pcap$", spool.Name);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, spool.Mode);
        // Removed afterwards; the planted links are left as they were.
        Assert.All(Directory.GetFileSystemEntries(_shared), entry => Assert.NotNull(new FileInfo(entry).LinkTarget));
        AssertRegularFile(flagged);
        Assert.True(new FileInfo(flagged).Length > 24, "the extract holds no packet");
    }

    /// <summary>A read-only stream over bytes that calls <paramref name="onFirstRead"/> once, before the first read.</summary>
    private sealed class SpyStream(byte[] data, Action onFirstRead) : MemoryStream(data, writable: false)
    {
        private bool _seen;

        public override int Read(byte[] buffer, int offset, int count)
        {
            Once();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            Once();
            return base.Read(buffer);
        }

        private void Once()
        {
            if (!_seen)
            {
                _seen = true;
                onFirstRead();
            }
        }
    }
}
