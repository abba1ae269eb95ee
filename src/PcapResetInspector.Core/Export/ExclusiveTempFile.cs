using System.Security.Cryptography;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// Temporary files with unpredictable names, created exclusively (O_CREAT|O_EXCL): in a shared directory
/// such as /tmp another user cannot plant a symlink at the name beforehand and have it written through,
/// because an exclusive create fails on anything already there, a symlink included.
/// </summary>
public static class ExclusiveTempFile
{
    /// <summary>How many fresh names to try when one is taken (by chance or by someone guessing).</summary>
    public const int MaxAttempts = 8;

    /// <summary>Owner read and write only, for files that hold someone's data (a spooled capture).</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <c>directory/prefix + random + suffix</c> for writing and returns its stream and path.
    /// <paramref name="unixMode"/> null means the usual 0666 less the umask.
    /// </summary>
    public static FileStream Create(string directory, string prefix, string suffix, out string path, UnixFileMode? unixMode = null) =>
        Create(directory, prefix, suffix, out path, unixMode, RandomPart);

    // 80 random bits: guessing the next name is hopeless, a chance collision is retried.
    private static string RandomPart() => RandomNumberGenerator.GetHexString(20, lowercase: true);

    /// <param name="randomPart">The name's random middle; tests pass a predictable one to force collisions.</param>
    internal static FileStream Create(string directory, string prefix, string suffix, out string path, UnixFileMode? unixMode, Func<string> randomPart)
    {
        for (int attempt = 1; ; attempt++)
        {
            path = Path.Combine(directory, prefix + randomPart() + suffix);
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                BufferSize = 1 << 16,
            };
            if (unixMode is { } mode && !OperatingSystem.IsWindows())
                options.UnixCreateMode = mode;
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (attempt < MaxAttempts && SomethingAt(path))
            {
            }
        }
    }

    /// <summary>Whether a name is taken, without following a symlink there (a dangling one counts).</summary>
    private static bool SomethingAt(string path)
    {
        try
        {
            return File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
