using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap.Tests;

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

    [Fact]
    public void LoadsLibPcapWhenInstalled()
    {
        bool present = File.Exists("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8") || File.Exists("/usr/lib/aarch64-linux-gnu/libpcap.so.0.8");
        if (!OperatingSystem.IsLinux() || !present)
            return; // nothing to load here; the CI script installs libpcap0.8, so CI runs the check
        Assert.True(LibPcapLibrary.TryLoad(OSPlatform.Linux, out IntPtr handle, out string? name));
        Assert.NotEqual(IntPtr.Zero, handle);
        Assert.NotNull(name);
        NativeLibrary.Free(handle);
    }
}
