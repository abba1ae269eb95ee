using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Version and error text. Every const char* here is libpcap's own: decoded, never freed.</summary>
internal static unsafe partial class Interop
{
    /// <summary>pcap_lib_version(3PCAP): a static string such as "libpcap version 1.10.3 (with TPACKET_V3)".</summary>
    [LibraryImport(LibraryName)]
    internal static partial byte* pcap_lib_version();

    /// <summary>pcap_statustostr(3PCAP): text for a PCAP_ERROR_ or PCAP_WARNING_ code.</summary>
    [LibraryImport(LibraryName)]
    internal static partial byte* pcap_statustostr(int status);

    /// <summary>pcap_geterr(3PCAP): the handle's last error; valid until the handle's next call fails.</summary>
    [LibraryImport(LibraryName)]
    internal static partial byte* pcap_geterr(SafePcapHandle handle);

    /// <summary>pcap_close(3PCAP). Only <see cref="SafePcapHandle"/> calls it.</summary>
    [LibraryImport(LibraryName)]
    internal static partial void pcap_close(nint handle);

    /// <summary>The handle's last error as text; empty when libpcap left none.</summary>
    internal static string LastError(SafePcapHandle handle) => NativeText.Decode(pcap_geterr(handle));

    internal static string StatusText(int status) => NativeText.Decode(pcap_statustostr(status));
}
