using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Turns pcap_activate(3PCAP) codes into exceptions and warnings a user can act on.</summary>
internal static class LiveCaptureErrors
{
    /// <summary>
    /// The exception for a negative pcap_activate status. <paramref name="detail"/> is pcap_geterr's text,
    /// which for some codes is empty or repeats <paramref name="statusText"/>.
    /// </summary>
    public static LiveCaptureException ForActivation(
        string interfaceName, int status, string statusText, string detail,
        Func<IReadOnlyList<string>> interfaceNames, string? programPath, OSPlatform platform)
    {
        string because = Detail(statusText, detail);
        switch (status)
        {
            case Interop.PCAP_ERROR_PERM_DENIED:
                return new LiveCaptureException(LiveCaptureErrorKind.PermissionDenied,
                    $"No permission to capture on '{interfaceName}'{because}. {PermissionRemedy(programPath, platform)}", detail);

            case Interop.PCAP_ERROR_PROMISC_PERM_DENIED:
                return new LiveCaptureException(LiveCaptureErrorKind.PermissionDenied,
                    $"No permission to put '{interfaceName}' into promiscuous mode{because}. Capture without promiscuous mode, or: "
                    + PermissionRemedy(programPath, platform), detail);

            case Interop.PCAP_ERROR_NO_SUCH_DEVICE:
                IReadOnlyList<string> names = interfaceNames();
                string available = names.Count == 0
                    ? "libpcap lists no interface this process may open."
                    : "Interfaces here: " + string.Join(", ", names) + ".";
                return new LiveCaptureException(LiveCaptureErrorKind.NoSuchDevice,
                    $"There is no capture interface named '{interfaceName}'. {available}", detail);

            case Interop.PCAP_ERROR_IFACE_NOT_UP:
                return new LiveCaptureException(LiveCaptureErrorKind.InterfaceNotUp,
                    $"Interface '{interfaceName}' is down; bring it up and try again{because}.", detail);

            default:
                return new LiveCaptureException(LiveCaptureErrorKind.Other,
                    $"Cannot capture on '{interfaceName}': {(detail.Length > 0 ? detail : statusText)}", detail);
        }
    }

    /// <summary>The Problems entry for a positive pcap_activate status: capture goes on with less than asked.</summary>
    public static string ActivationWarning(string interfaceName, int status, string statusText, string detail) =>
        status == Interop.PCAP_WARNING_PROMISC_NOTSUP
            ? $"'{interfaceName}' does not support promiscuous mode, so only traffic to and from this host is seen{Detail(statusText, detail)}"
            : $"opening '{interfaceName}' gave a warning: {(detail.Length > 0 ? detail : statusText)}";

    /// <summary>How to get the right to capture, per platform; on Linux with the setcap line for this program.</summary>
    public static string PermissionRemedy(string? programPath, OSPlatform platform)
    {
        if (platform == OSPlatform.Windows)
            return "Run as Administrator, or reinstall Npcap without \"Restrict Npcap driver's access to Administrators only\".";
        if (platform == OSPlatform.OSX)
            return "Run with sudo, or give your user read access to /dev/bpf* (as Wireshark's ChmodBPF does).";
        // Run as "dotnet tool.dll", the process is the shared dotnet host: capabilities on it would let every
        // .NET program capture, so name the tool's own executable instead.
        bool sharedHost = string.IsNullOrEmpty(programPath)
            || Path.GetFileNameWithoutExtension(programPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return "Run as root, or give the program the capture capabilities once: sudo setcap cap_net_raw,cap_net_admin=eip "
            + (sharedHost ? "<path of the pcap-reset-inspector executable>" : programPath);
    }

    private static string Detail(string statusText, string detail) =>
        detail.Length == 0 || detail == statusText ? string.Empty : " (" + detail + ")";
}
