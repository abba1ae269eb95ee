using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Whether libpcap can be used in this process. The library is looked for once, on first use, under the
/// names <see cref="LibPcapLibrary.CandidateNames"/> gives; reading and filtering capture files never need it.
/// </summary>
public static class LibPcapRuntime
{
    private static readonly Lazy<string?> LibraryVersion = new(ReadVersion, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when a libpcap loaded and exports the calls this binding makes first.</summary>
    public static bool IsAvailable => LibraryVersion.Value is not null;

    /// <summary>pcap_lib_version(3PCAP) text, such as "libpcap version 1.10.3 (with TPACKET_V3)"; null when unavailable.</summary>
    public static string? Version => LibraryVersion.Value;

    /// <summary>Throws <see cref="LibPcapUnavailableException"/>, saying what to install, when libpcap is not there.</summary>
    public static void EnsureAvailable()
    {
        if (!IsAvailable)
            throw new LibPcapUnavailableException();
    }

    private static unsafe string? ReadVersion()
    {
        nint library = Interop.LibraryHandle;
        // A library by one of the names that is not libpcap (or a stub) lacks the entry points: treat it as absent.
        if (library == 0
            || !NativeLibrary.TryGetExport(library, "pcap_create", out _)
            || !NativeLibrary.TryGetExport(library, "pcap_lib_version", out _))
        {
            return null;
        }

        return NativeText.Decode(Interop.pcap_lib_version());
    }
}
