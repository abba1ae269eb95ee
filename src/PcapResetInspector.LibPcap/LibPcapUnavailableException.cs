namespace PcapResetInspector.LibPcap;

/// <summary>No libpcap could be loaded; the message names the library files tried and the package to install.</summary>
public sealed class LibPcapUnavailableException : Exception
{
    public LibPcapUnavailableException()
        : base(DefaultMessage())
    {
    }

    private static string DefaultMessage()
    {
        var platform = LibPcapLibrary.CurrentPlatform;
        return "libpcap is needed for live capture, interface listing and filters, but none could be loaded (tried "
            + string.Join(", ", LibPcapLibrary.CandidateNames(platform)) + "): " + LibPcapLibrary.InstallHint(platform) + ".";
    }
}
