using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>
/// Issue 17, item 4: temporary names must not be guessable and must be created exclusively, so a symlink
/// planted at the name is never written through, and the rename into place replaces a symlink at the target.
/// </summary>
public sealed class TemporaryFileSymlinkTests : IDisposable
{
    private readonly SymlinkTrap _trap = new();

    public void Dispose() => _trap.Dispose();

    private string Plant(string linkName) => _trap.Plant(linkName);

    private static IEnumerable<int> LikelyPids() => SymlinkTrap.LikelyPids();

    [LinuxFact]
    public void AtomicWriter_NeverWritesThroughPlantedLinks_AndReplacesALinkAtTheTarget()
    {
        string target = Path.Combine(_trap.Shared, "report.csv");
        var victims = LikelyPids().Select(pid => Plant($".report.csv.{pid}.partial")).ToList();
        victims.Add(Plant("report.csv")); // the target itself: the rename must replace the link, not follow it
        Assert.NotNull(new FileInfo(target).LinkTarget);

        using (var writer = new AtomicFileWriter(target))
        {
            writer.Writer.Write("uid,cause\n");
            writer.Commit();
        }

        Assert.All(victims, victim => Assert.Equal(SymlinkTrap.Precious, File.ReadAllText(victim)));
        Assert.Null(new FileInfo(target).LinkTarget);
        Assert.Equal("uid,cause\n", File.ReadAllText(target));
        // Nothing left behind but the planted links and the report.
        Assert.Equal(LikelyPids().Count() + 1, Directory.GetFileSystemEntries(_trap.Shared).Length);
    }

    [LinuxFact]
    public void AtomicWriter_Abandoned_RemovesOnlyItsOwnFile()
    {
        string target = Path.Combine(_trap.Shared, "report.csv");
        var victims = LikelyPids().Select(pid => Plant($".report.csv.{pid}.partial")).ToList();
        using (var writer = new AtomicFileWriter(target))
            writer.Writer.Write("half");
        Assert.All(victims, victim => Assert.Equal(SymlinkTrap.Precious, File.ReadAllText(victim)));
        Assert.False(File.Exists(target));
        Assert.Equal(LikelyPids().Count(), Directory.GetFileSystemEntries(_trap.Shared).Length);
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the attribute skips it elsewhere
    public void ACollision_IsRetriedUnderANewName_TheLinkLeftAlone()
    {
        string victim = Plant("spool-taken.tmp");
        File.CreateSymbolicLink(Path.Combine(_trap.Shared, "spool-dangling.tmp"), Path.Combine(_trap.VictimDirectory, "not-there"));
        var names = new Queue<string>(["taken", "dangling", "free"]);

        using (FileStream stream = ExclusiveTempFile.Create(_trap.Shared, "spool-", ".tmp", out string path, ExclusiveTempFile.OwnerOnly, names.Dequeue))
        {
            stream.Write("capture"u8);
            Assert.Equal(Path.Combine(_trap.Shared, "spool-free.tmp"), path);
        }

        Assert.Equal(SymlinkTrap.Precious, File.ReadAllText(victim));
        Assert.False(File.Exists(Path.Combine(_trap.VictimDirectory, "not-there")));
        Assert.Equal("capture", File.ReadAllText(Path.Combine(_trap.Shared, "spool-free.tmp")));
        Assert.Equal(ExclusiveTempFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(_trap.Shared, "spool-free.tmp")));
    }

    [LinuxFact]
    public void EveryNameTaken_FailsAfterAFewTries_WithoutWritingThrough()
    {
        string victim = Plant("spool-x.tmp");
        int tries = 0;
        Assert.ThrowsAny<IOException>(() => ExclusiveTempFile.Create(_trap.Shared, "spool-", ".tmp", out _, null, () => { tries++; return "x"; }));
        Assert.Equal(ExclusiveTempFile.MaxAttempts, tries);
        Assert.Equal(SymlinkTrap.Precious, File.ReadAllText(victim));
    }

    [Fact]
    public void Names_CarryEightyRandomBits_AndDiffer()
    {
        using FileStream first = ExclusiveTempFile.Create(_trap.Shared, "n-", ".tmp", out string a);
        using FileStream second = ExclusiveTempFile.Create(_trap.Shared, "n-", ".tmp", out string b);
        Assert.NotEqual(a, b);
        Assert.Matches("^n-[0-9a-f]{20}\\.tmp$", Path.GetFileName(a));
    }
}
