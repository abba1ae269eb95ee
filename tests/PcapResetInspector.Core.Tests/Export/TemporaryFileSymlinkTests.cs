using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>Symlinks are Unix's; the attack is another user's link planted in a sticky shared directory such as /tmp.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "the planted-symlink attack is tested on Linux, where /tmp is a sticky shared directory";
    }
}

/// <summary>
/// Issue 17, item 4: temporary names must not be guessable and must be created exclusively, so a symlink
/// planted at the name is never written through, and the rename into place replaces a symlink at the target.
/// </summary>
public sealed class TemporaryFileSymlinkTests : IDisposable
{
    private const string Precious = "root-owned content the attacker wants overwritten";
    private readonly string _shared;
    private readonly string _victims = Directory.CreateTempSubdirectory("pri-victims-").FullName;

    public TemporaryFileSymlinkTests()
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

    /// <summary>A victim file and a symlink to it at <paramref name="linkName"/> in the shared directory.</summary>
    private string Plant(string linkName)
    {
        string victim = Path.Combine(_victims, "victim-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(victim, Precious);
        File.CreateSymbolicLink(Path.Combine(_shared, linkName), victim);
        return victim;
    }

    /// <summary>The PIDs an attacker would plant for: this one and the next few.</summary>
    private static IEnumerable<int> LikelyPids() => Enumerable.Range(Environment.ProcessId - 2, 40).Where(p => p > 0);

    [LinuxFact]
    public void AtomicWriter_NeverWritesThroughPlantedLinks_AndReplacesALinkAtTheTarget()
    {
        string target = Path.Combine(_shared, "report.csv");
        var victims = LikelyPids().Select(pid => Plant($".report.csv.{pid}.partial")).ToList();
        victims.Add(Plant("report.csv")); // the target itself: the rename must replace the link, not follow it
        Assert.NotNull(new FileInfo(target).LinkTarget);

        using (var writer = new AtomicFileWriter(target))
        {
            writer.Writer.Write("uid,cause\n");
            writer.Commit();
        }

        Assert.All(victims, victim => Assert.Equal(Precious, File.ReadAllText(victim)));
        Assert.Null(new FileInfo(target).LinkTarget);
        Assert.Equal("uid,cause\n", File.ReadAllText(target));
        // Nothing left behind but the planted links and the report.
        Assert.Equal(LikelyPids().Count() + 1, Directory.GetFileSystemEntries(_shared).Length);
    }

    [LinuxFact]
    public void AtomicWriter_Abandoned_RemovesOnlyItsOwnFile()
    {
        string target = Path.Combine(_shared, "report.csv");
        var victims = LikelyPids().Select(pid => Plant($".report.csv.{pid}.partial")).ToList();
        using (var writer = new AtomicFileWriter(target))
            writer.Writer.Write("half");
        Assert.All(victims, victim => Assert.Equal(Precious, File.ReadAllText(victim)));
        Assert.False(File.Exists(target));
        Assert.Equal(LikelyPids().Count(), Directory.GetFileSystemEntries(_shared).Length);
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the attribute skips it elsewhere
    public void ACollision_IsRetriedUnderANewName_TheLinkLeftAlone()
    {
        string victim = Plant("spool-taken.tmp");
        File.CreateSymbolicLink(Path.Combine(_shared, "spool-dangling.tmp"), Path.Combine(_victims, "not-there"));
        var names = new Queue<string>(["taken", "dangling", "free"]);

        using (FileStream stream = ExclusiveTempFile.Create(_shared, "spool-", ".tmp", out string path, ExclusiveTempFile.OwnerOnly, names.Dequeue))
        {
            stream.Write("capture"u8);
            Assert.Equal(Path.Combine(_shared, "spool-free.tmp"), path);
        }

        Assert.Equal(Precious, File.ReadAllText(victim));
        Assert.False(File.Exists(Path.Combine(_victims, "not-there")));
        Assert.Equal("capture", File.ReadAllText(Path.Combine(_shared, "spool-free.tmp")));
        Assert.Equal(ExclusiveTempFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(_shared, "spool-free.tmp")));
    }

    [LinuxFact]
    public void EveryNameTaken_FailsAfterAFewTries_WithoutWritingThrough()
    {
        string victim = Plant("spool-x.tmp");
        int tries = 0;
        Assert.ThrowsAny<IOException>(() => ExclusiveTempFile.Create(_shared, "spool-", ".tmp", out _, null, () => { tries++; return "x"; }));
        Assert.Equal(ExclusiveTempFile.MaxAttempts, tries);
        Assert.Equal(Precious, File.ReadAllText(victim));
    }

    [Fact]
    public void Names_CarryEightyRandomBits_AndDiffer()
    {
        using FileStream first = ExclusiveTempFile.Create(_shared, "n-", ".tmp", out string a);
        using FileStream second = ExclusiveTempFile.Create(_shared, "n-", ".tmp", out string b);
        Assert.NotEqual(a, b);
        Assert.Matches("^n-[0-9a-f]{20}\\.tmp$", Path.GetFileName(a));
    }
}
