using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Where libpcap lives on each platform. Debian ships only the versioned name (libpcap.so.0.8 from
/// package libpcap0.8, linked as libpcap.so.1 by newer releases); the unversioned libpcap.so comes
/// with the -dev package only. macOS has libpcap.dylib; Windows has Npcap's wpcap.dll.
/// </summary>
public static class LibPcapLibrary
{
    public static IReadOnlyList<string> CandidateNames(OSPlatform platform)
    {
        if (platform == OSPlatform.Windows)
            return ["wpcap"];
        if (platform == OSPlatform.OSX)
            return ["libpcap.A.dylib", "libpcap.dylib"];
        return ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"];
    }

    /// <summary>What to tell a user who has no libpcap.</summary>
    public static string InstallHint(OSPlatform platform)
    {
        if (platform == OSPlatform.Windows)
            return "install Npcap (https://npcap.com) with the WinPcap-compatible mode";
        if (platform == OSPlatform.OSX)
            return "libpcap ships with macOS; check that /usr/lib/libpcap.A.dylib is present";
        return "install libpcap (Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap)";
    }

    /// <summary>Tries each candidate name in order; true with the handle of the first that loads.</summary>
    public static bool TryLoad(OSPlatform platform, out IntPtr handle, out string? loadedName)
    {
        foreach (string name in CandidateNames(platform))
        {
            if (NativeLibrary.TryLoad(name, out handle))
            {
                loadedName = name;
                return true;
            }
        }
        handle = IntPtr.Zero;
        loadedName = null;
        return false;
    }

    public static OSPlatform CurrentPlatform =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? OSPlatform.Windows
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? OSPlatform.OSX
        : OSPlatform.Linux;
}
