using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Interface listing: pcap_findalldevs(3PCAP) and pcap_freealldevs.</summary>
internal static unsafe partial class Interop
{
    // pcap/pcap.h PCAP_IF_ flags.
    internal const uint PCAP_IF_LOOPBACK = 0x01;
    internal const uint PCAP_IF_UP = 0x02;
    internal const uint PCAP_IF_RUNNING = 0x04;
    internal const uint PCAP_IF_WIRELESS = 0x08;
    internal const uint PCAP_IF_CONNECTION_STATUS = 0x30;

    /// <summary>struct pcap_if: one entry of the list.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PcapInterface
    {
        public PcapInterface* Next;
        public byte* Name;
        public byte* Description;
        public PcapAddress* Addresses;
        public uint Flags;
    }

    /// <summary>struct pcap_addr: any pointer may be null; Address points to a struct sockaddr of the OS's layout.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PcapAddress
    {
        public PcapAddress* Next;
        public byte* Address;
        public byte* Netmask;
        public byte* BroadcastAddress;
        public byte* DestinationAddress;
    }

    /// <summary>pcap_findalldevs(3PCAP): 0 with the list (possibly empty) or PCAP_ERROR with the error buffer filled.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_findalldevs(PcapInterface** interfaces, byte* errorBuffer);

    [LibraryImport(LibraryName)]
    internal static partial void pcap_freealldevs(PcapInterface* interfaces);
}
