using System.Globalization;
using System.Net;

namespace PcapResetInspector.LibPcap;

/// <summary>Lists the interfaces libpcap can open.</summary>
public static unsafe class CaptureDevices
{
    /// <summary>
    /// Every interface pcap_findalldevs(3PCAP) reports, in its order (it puts interfaces that are up and
    /// running first). Throws <see cref="LibPcapUnavailableException"/> without libpcap and
    /// <see cref="LiveCaptureException"/> (<see cref="LiveCaptureErrorKind.Other"/>) when listing fails.
    /// An empty list can also mean the process may not open any interface.
    /// </summary>
    public static IReadOnlyList<CaptureDevice> List()
    {
        LibPcapRuntime.EnsureAvailable();
        Interop.PcapInterface* first = null;
        byte* errorBuffer = stackalloc byte[Interop.ErrorBufferSize];
        errorBuffer[0] = 0;
        if (Interop.pcap_findalldevs(&first, errorBuffer) != 0)
        {
            throw new LiveCaptureException(LiveCaptureErrorKind.Other,
                "Cannot list the capture interfaces: " + NativeText.Decode(new ReadOnlySpan<byte>(errorBuffer, Interop.ErrorBufferSize)));
        }

        try
        {
            var devices = new List<CaptureDevice>();
            for (Interop.PcapInterface* entry = first; entry is not null; entry = entry->Next)
                devices.Add(Describe(entry, SocketAddressLayout.Current));
            return devices;
        }
        finally
        {
            if (first is not null)
                Interop.pcap_freealldevs(first);
        }
    }

    private static CaptureDevice Describe(Interop.PcapInterface* entry, SocketAddressLayout layout)
    {
        var addresses = new List<string>();
        for (Interop.PcapAddress* address = entry->Addresses; address is not null; address = address->Next)
        {
            if (Read(address->Address, layout) is not IPAddress ip)
                continue;
            int family = layout.ReadFamily(new ReadOnlySpan<byte>(address->Address, SocketAddressLayout.FamilyFieldLength));
            int? prefix = Read(address->Netmask, layout, familyIfUnset: family) is IPAddress mask && mask.AddressFamily == ip.AddressFamily
                ? SocketAddressLayout.PrefixLength(mask)
                : null;
            addresses.Add(prefix is int bits ? ip + "/" + bits.ToString(CultureInfo.InvariantCulture) : ip.ToString());
        }

        uint flags = entry->Flags;
        string? description = entry->Description is null ? null : NativeText.Decode(entry->Description);
        return new CaptureDevice(
            NativeText.Decode(entry->Name),
            string.IsNullOrEmpty(description) ? null : description,
            addresses,
            IsLoopback: (flags & Interop.PCAP_IF_LOOPBACK) != 0,
            IsUp: (flags & Interop.PCAP_IF_UP) != 0,
            IsRunning: (flags & Interop.PCAP_IF_RUNNING) != 0,
            IsWireless: (flags & Interop.PCAP_IF_WIRELESS) != 0,
            ConnectionStatus: (ConnectionStatus)((flags & Interop.PCAP_IF_CONNECTION_STATUS) >> 4));
    }

    /// <summary>
    /// Reads a sockaddr libpcap allocated: its family first, then no more bytes than that family's struct
    /// has (libpcap copies each sockaddr with its own length, so reading more could run past it). A netmask
    /// may leave its family unset (0); <paramref name="familyIfUnset"/> then says how to read it.
    /// </summary>
    private static IPAddress? Read(byte* sockaddr, SocketAddressLayout layout, int familyIfUnset = 0)
    {
        if (sockaddr is null)
            return null;
        var head = new ReadOnlySpan<byte>(sockaddr, SocketAddressLayout.FamilyFieldLength);
        int family = layout.ReadFamily(head);
        if (family == 0)
            family = familyIfUnset;
        int length = layout.LengthFor(family);
        if (length == 0)
            return null;
        return layout.ToAddress(new ReadOnlySpan<byte>(sockaddr, layout.ReadableLength(head, length)), family);
    }
}
