namespace PcapResetInspector.Cli.Tests;

internal static class RepositoryPaths
{
    /// <summary>The checkout's root: the first folder above the test assembly holding PcapResetInspector.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Captures => Path.Combine(Root, "captures");

    public static string Golden => Path.Combine(Root, "tests", "PcapResetInspector.Cli.Tests", "Golden");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PcapResetInspector.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("PcapResetInspector.sln not found above " + AppContext.BaseDirectory);
    }
}
