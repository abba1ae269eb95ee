using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>Skipped, with the reason, where Debian's libpcap0.8 is not installed (the CI script installs it, so CI runs the check).</summary>
public sealed class DebianLibPcapFactAttribute : FactAttribute
{
    public DebianLibPcapFactAttribute()
    {
        bool present = File.Exists("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8") || File.Exists("/usr/lib/aarch64-linux-gnu/libpcap.so.0.8");
        if (!OperatingSystem.IsLinux() || !present)
            Skip = "libpcap.so.0.8 is not installed here (Debian/Ubuntu: apt-get install libpcap0.8)";
    }
}

public class LibPcapLibraryTests
{
    [Fact]
    public void Linux_NamesWhatSharpPcapTries_IncludingDebiansVersionedName()
    {
        // SharpPcap 6.3.1's resolver order; the message for a missing libpcap lists these.
        Assert.Equal(["libpcap.so", "libpcap.so.0", "libpcap.so.0.8", "libpcap.so.1"], LibPcapLibrary.CandidateNames(OSPlatform.Linux));
    }

    [Fact]
    public void WindowsAndMac_UseNpcapAndTheSystemLibrary()
    {
        Assert.Equal(["wpcap"], LibPcapLibrary.CandidateNames(OSPlatform.Windows));
        Assert.Contains("libpcap.dylib", LibPcapLibrary.CandidateNames(OSPlatform.OSX));
        Assert.Contains("libpcap0.8", LibPcapLibrary.InstallHint(OSPlatform.Linux), StringComparison.Ordinal);
    }

    [DebianLibPcapFact]
    public void LoadsLibPcapWhenInstalled()
    {
        Assert.True(LibPcapLibrary.TryLoad(OSPlatform.Linux, out IntPtr handle, out string? name));
        Assert.NotEqual(IntPtr.Zero, handle);
        Assert.NotNull(name);
        NativeLibrary.Free(handle);
    }
}
