using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap.Tests;

public class LibPcapRuntimeTests
{
    [LibPcapFact]
    public void Version_IsLibPcapsOwnText()
    {
        Assert.True(LibPcapRuntime.IsAvailable);
        Assert.StartsWith("libpcap version ", LibPcapRuntime.Version, StringComparison.Ordinal);
        LibPcapRuntime.EnsureAvailable();
    }

    [Fact]
    public void UnavailableMessage_NamesTheFilesTriedAndThePackage()
    {
        string message = new LibPcapUnavailableException().Message;
        OSPlatform platform = LibPcapLibrary.CurrentPlatform;
        Assert.Contains(LibPcapLibrary.InstallHint(platform), message, StringComparison.Ordinal);
        Assert.All(LibPcapLibrary.CandidateNames(platform), name => Assert.Contains(name, message, StringComparison.Ordinal));
    }

    [Fact]
    public void AvailabilityAgreesWithLoadingTheLibraryDirectly()
    {
        bool loads = LibPcapLibrary.TryLoad(LibPcapLibrary.CurrentPlatform, out IntPtr handle, out _);
        if (loads)
            NativeLibrary.Free(handle);
        Assert.Equal(loads, LibPcapRuntime.IsAvailable);
        Assert.Equal(loads, LibPcapRuntime.Version is not null);
    }
}
