using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Turns pcap_activate(3PCAP) codes into exceptions and warnings a user can act on.</summary>
internal static class LiveCaptureErrors
{
    // pcap/pcap.h status codes, as SharpPcap's PcapError carries them.
    public const int PermissionDenied = -8;
    public const int PromiscuousPermissionDenied = -11;
    public const int NoSuchDevice = -5;
    public const int InterfaceNotUp = -9;

    /// <summary>pcap_statustostr(3PCAP)'s text for the codes the messages name; SharpPcap does not bind the call.</summary>
    public static string StatusText(int status) => status switch
    {
        PermissionDenied => "You don't have permission to perform this capture on that device",
        PromiscuousPermissionDenied => "You don't have permission to capture in promiscuous mode",
        NoSuchDevice => "No such device exists",
        InterfaceNotUp => "That device is not up",
        _ => "Generic error",
    };

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
            case PermissionDenied:
                return new LiveCaptureException(LiveCaptureErrorKind.PermissionDenied,
                    $"No permission to capture on '{interfaceName}'{because}. {PermissionRemedy(programPath, platform)}", detail);

            case PromiscuousPermissionDenied:
                return new LiveCaptureException(LiveCaptureErrorKind.PermissionDenied,
                    $"No permission to put '{interfaceName}' into promiscuous mode{because}. Capture without promiscuous mode, or: "
                    + PermissionRemedy(programPath, platform), detail);

            case NoSuchDevice:
                IReadOnlyList<string> names = interfaceNames();
                string available = names.Count == 0
                    ? "libpcap lists no interface this process may open."
                    : "Interfaces here: " + string.Join(", ", names) + ".";
                return new LiveCaptureException(LiveCaptureErrorKind.NoSuchDevice,
                    $"There is no capture interface named '{interfaceName}'. {available}", detail);

            case InterfaceNotUp:
                return new LiveCaptureException(LiveCaptureErrorKind.InterfaceNotUp,
                    $"Interface '{interfaceName}' is down; bring it up and try again{because}.", detail);

            default:
                return new LiveCaptureException(LiveCaptureErrorKind.Other,
                    $"Cannot capture on '{interfaceName}': {(detail.Length > 0 ? detail : statusText)}", detail);
        }
    }

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
