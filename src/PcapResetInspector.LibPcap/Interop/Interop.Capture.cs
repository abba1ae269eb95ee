using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Live capture: pcap_create(3PCAP), the pcap_set_* options, pcap_activate(3PCAP), reading and statistics.</summary>
internal static unsafe partial class Interop
{
    // pcap/pcap.h status codes.
    internal const int PCAP_ERROR = -1;
    internal const int PCAP_ERROR_BREAK = -2;
    internal const int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    internal const int PCAP_ERROR_PERM_DENIED = -8;
    internal const int PCAP_ERROR_IFACE_NOT_UP = -9;
    internal const int PCAP_ERROR_PROMISC_PERM_DENIED = -11;
    internal const int PCAP_WARNING_PROMISC_NOTSUP = 2;

    internal const int PCAP_TSTAMP_PRECISION_MICRO = 0;
    internal const int PCAP_TSTAMP_PRECISION_NANO = 1;

    /// <summary>
    /// struct pcap_stat: three u_int on every platform this binding runs on (not pointer-sized). Windows
    /// declares three more fields that only pcap_stats_ex fills; the spare room keeps a library that
    /// writes them anyway inside this struct.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PcapStat
    {
        public uint Received;
        public uint Dropped;
        public uint InterfaceDropped;
        public uint WindowsCaptured;
        public uint WindowsSent;
        public uint WindowsNetworkDropped;
    }

    /// <summary>pcap_create(3PCAP): an inactive handle, or null with the reason in the error buffer.</summary>
    [LibraryImport(LibraryName)]
    internal static partial SafePcapHandle pcap_create(byte* source, byte* errorBuffer);

    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_snaplen(SafePcapHandle handle, int snapLength);

    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_promisc(SafePcapHandle handle, int promiscuous);

    /// <summary>pcap_set_timeout(3PCAP): the packet buffer timeout in milliseconds.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_timeout(SafePcapHandle handle, int milliseconds);

    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_immediate_mode(SafePcapHandle handle, int immediate);

    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_buffer_size(SafePcapHandle handle, int bytes);

    /// <summary>pcap_set_tstamp_precision(3PCAP): PCAP_ERROR_TSTAMP_PRECISION_NOTSUP when the device cannot.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_set_tstamp_precision(SafePcapHandle handle, int precision);

    /// <summary>pcap_get_tstamp_precision(3PCAP): the precision the activated handle actually delivers.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_get_tstamp_precision(SafePcapHandle handle);

    /// <summary>pcap_activate(3PCAP): 0, a positive warning, or a negative error; a failed handle still needs pcap_close.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_activate(SafePcapHandle handle);

    /// <summary>pcap_datalink(3PCAP): a DLT_ value.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_datalink(SafePcapHandle handle);

    /// <summary>
    /// pcap_next_ex(3PCAP): 1 packet, 0 packet buffer timeout, PCAP_ERROR_BREAK after pcap_breakloop,
    /// PCAP_ERROR. The header and data pointers are set only when it returns 1 and stay valid until the next call.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_next_ex(SafePcapHandle handle, byte** packetHeader, byte** packetData);

    /// <summary>pcap_breakloop(3PCAP): returns nothing; safe from another thread, and wakes a blocked read on Linux and Windows from 1.10.</summary>
    [LibraryImport(LibraryName)]
    internal static partial void pcap_breakloop(SafePcapHandle handle);

    [LibraryImport(LibraryName)]
    internal static partial int pcap_stats(SafePcapHandle handle, PcapStat* statistics);
}
