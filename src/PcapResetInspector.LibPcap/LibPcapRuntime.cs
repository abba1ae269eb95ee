namespace PcapResetInspector.LibPcap;

/// <summary>
/// Whether libpcap can be used in this process. SharpPcap loads it on first use, under the names
/// <see cref="LibPcapLibrary.CandidateNames"/> gives; reading capture files never needs it.
/// </summary>
public static class LibPcapRuntime
{
    private static readonly Lazy<string?> LibraryVersion = new(ReadVersion, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when SharpPcap found a libpcap and could call it.</summary>
    public static bool IsAvailable => LibraryVersion.Value is not null;

    /// <summary>pcap_lib_version(3PCAP) text, such as "libpcap version 1.10.3 (with TPACKET_V3)"; null when unavailable.</summary>
    public static string? Version => LibraryVersion.Value;

    /// <summary>Throws <see cref="LibPcapUnavailableException"/>, saying what to install, when libpcap is not there.</summary>
    public static void EnsureAvailable()
    {
        if (!IsAvailable)
            throw new LibPcapUnavailableException();
    }

    private static string? ReadVersion()
    {
        try
        {
            // SharpPcap's first call into libpcap: a missing library shows as DllNotFoundException, possibly
            // wrapped by the type initialiser of SharpPcap's binding; a library without the call, as EntryPointNotFound.
            string version = SharpPcap.Pcap.Version;
            return version.StartsWith("libpcap", StringComparison.Ordinal) || version.Contains("Npcap", StringComparison.Ordinal)
                ? version : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            return null;
        }
    }
}
