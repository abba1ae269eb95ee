using PcapResetInspector.Core.Tests.Export;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Tests;

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
    private readonly SymlinkTrap _trap = new();

    public void Dispose() => _trap.Dispose();

    private void PlantForLikelyPids(Func<int, string> oldName) => _trap.PlantForLikelyPids(oldName);

    private void AssertVictimsUntouched() => _trap.AssertVictimsUntouched();

    private static void AssertRegularFile(string path)
    {
        Assert.True(File.Exists(path), path + " was not written");
        Assert.Null(new FileInfo(path).LinkTarget);
    }

    [LinuxFact]
    public void OutputAndExtract_InASharedDirectory_AreNotWrittenThroughPlantedLinks()
    {
        PlantForLikelyPids(pid => $".report.csv.{pid}.partial");
        PlantForLikelyPids(pid => $".flagged.pcap.{pid}.partial");
        string report = Path.Combine(_trap.Shared, "report.csv");
        string flagged = Path.Combine(_trap.Shared, "flagged.pcap");

        CliResult r = CliRunner.Run("analyze", Path.Combine(RepositoryPaths.Captures, "refused.pcap"), "-o", report, "--write-flagged", flagged, "-q");

        Assert.True(r.ExitCode == 0, r.Error);
        AssertVictimsUntouched();
        AssertRegularFile(report);
        AssertRegularFile(flagged);
        Assert.StartsWith("uid,start_time,", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.True(new FileInfo(flagged).Length > 24, "the extract holds no packet");
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the attribute skips it elsewhere
    public void StandardInputSpool_InASharedTmpdir_IsRandomExclusiveAndOwnerOnly()
    {
        PlantForLikelyPids(pid => $"pcap-reset-inspector-stdin-{pid}.pcap");
        string flagged = Path.Combine(_trap.VictimDirectory, "flagged.pcap");
        byte[] capture = File.ReadAllBytes(Path.Combine(RepositoryPaths.Captures, "refused.pcap"));
        var spied = new List<(string Name, UnixFileMode Mode)>();
        // While the spool is being filled, note what was created in TMPDIR besides the planted links.
        Stream OpenInput() => new SpyStream(capture, () =>
        {
            foreach (string entry in Directory.GetFiles(_trap.Shared).Where(e => new FileInfo(e).LinkTarget is null))
                spied.Add((Path.GetFileName(entry), File.GetUnixFileMode(entry)));
        });

        string? saved = Environment.GetEnvironmentVariable("TMPDIR");
        int exitCode;
        var error = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("TMPDIR", _trap.Shared);
            Assert.Equal(_trap.Shared.TrimEnd('/') + "/", Path.GetTempPath());
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
        Assert.All(Directory.GetFileSystemEntries(_trap.Shared), entry => Assert.NotNull(new FileInfo(entry).LinkTarget));
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
