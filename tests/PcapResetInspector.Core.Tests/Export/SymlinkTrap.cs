namespace PcapResetInspector.Core.Tests.Export;

/// <summary>Symlinks are Unix's; the attack is another user's link planted in a sticky shared directory such as /tmp.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string why = "the planted-symlink attack is tested on Linux, where /tmp is a sticky shared directory")
    {
        if (!OperatingSystem.IsLinux())
            Skip = why;
    }
}

/// <summary>
/// The planted-symlink attack on temporary names: a sticky shared directory (mode 1777, as /tmp) in which
/// links point at victim files elsewhere; a test writes into <see cref="Shared"/> and checks the victims.
/// </summary>
public sealed class SymlinkTrap : IDisposable
{
    public const string Precious = "root-owned content the attacker wants overwritten";
    private readonly List<string> _victims = [];

    public SymlinkTrap()
    {
        Shared = Directory.CreateTempSubdirectory("pri-sticky-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Shared, (UnixFileMode)0x1FF | UnixFileMode.StickyBit);
    }

    /// <summary>The shared sticky directory the links are planted in.</summary>
    public string Shared { get; }

    /// <summary>Where the victim files live, outside <see cref="Shared"/>.</summary>
    public string VictimDirectory { get; } = Directory.CreateTempSubdirectory("pri-victims-").FullName;

    /// <summary>The PIDs an attacker would plant for: this process's and the next few.</summary>
    public static IEnumerable<int> LikelyPids() => Enumerable.Range(Environment.ProcessId - 2, 40).Where(p => p > 0);

    /// <summary>A victim file and a symlink to it at <paramref name="linkName"/> in the shared directory; returns the victim.</summary>
    public string Plant(string linkName)
    {
        string victim = Path.Combine(VictimDirectory, "victim-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(victim, Precious);
        File.CreateSymbolicLink(Path.Combine(Shared, linkName), victim);
        _victims.Add(victim);
        return victim;
    }

    /// <summary>Plants a link at the name the old scheme would have used for each likely PID.</summary>
    public void PlantForLikelyPids(Func<int, string> oldName)
    {
        foreach (int pid in LikelyPids())
            Plant(oldName(pid));
    }

    public void AssertVictimsUntouched() => Assert.All(_victims, victim => Assert.Equal(Precious, File.ReadAllText(victim)));

    public void Dispose()
    {
        Directory.Delete(Shared, recursive: true);
        Directory.Delete(VictimDirectory, recursive: true);
    }
}
