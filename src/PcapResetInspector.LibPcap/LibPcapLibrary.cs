using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Where libpcap lives on each platform, as SharpPcap 6.3.1 looks for it (its
/// LibPcapSafeNativeMethods.Resolver.cs): on Linux libpcap.so (the -dev link), then the versioned names Debian's
/// libpcap0.8 and newer releases ship; macOS has libpcap.dylib; Windows has Npcap's wpcap.dll in System32\Npcap.
/// </summary>
public static class LibPcapLibrary
{
    public static IReadOnlyList<string> CandidateNames(OSPlatform platform)
    {
        if (platform == OSPlatform.Windows)
            return ["wpcap"];
        if (platform == OSPlatform.OSX)
            return ["libpcap.dylib"];
        return ["libpcap.so", "libpcap.so.0", "libpcap.so.0.8", "libpcap.so.1"];
    }

    /// <summary>What to tell a user who has no libpcap.</summary>
    public static string InstallHint(OSPlatform platform)
    {
        if (platform == OSPlatform.Windows)
            return "install Npcap (https://npcap.com) with the WinPcap-compatible mode";
        if (platform == OSPlatform.OSX)
            return "libpcap ships with macOS; check that /usr/lib/libpcap.dylib is present";
        return "install libpcap (Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap)";
    }

    /// <summary>Tries each candidate name in order; true with the handle of the first that loads. For tests and diagnostics.</summary>
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
