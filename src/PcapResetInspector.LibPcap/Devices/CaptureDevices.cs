using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpPcap;
using SharpPcap.LibPcap;

namespace PcapResetInspector.LibPcap;

/// <summary>Lists the interfaces libpcap can open, through SharpPcap's <see cref="LibPcapLiveDeviceList"/>.</summary>
public static class CaptureDevices
{
    // pcap/pcap.h PCAP_IF_* flag bits.
    private const uint PcapIfLoopback = 0x1;
    private const uint PcapIfUp = 0x2;
    private const uint PcapIfRunning = 0x4;
    private const uint PcapIfWireless = 0x8;
    private const uint PcapIfConnectionStatus = 0x30;

    /// <summary>
    /// Every interface pcap_findalldevs(3PCAP) reports, in its order (it puts interfaces that are up and
    /// running first). Throws <see cref="LibPcapUnavailableException"/> without libpcap and
    /// <see cref="LiveCaptureException"/> (<see cref="LiveCaptureErrorKind.Other"/>) when listing fails.
    /// An empty list can also mean the process may not open any interface.
    /// </summary>
    public static IReadOnlyList<CaptureDevice> List() => Interfaces().Select(Describe).ToList();

    /// <summary>SharpPcap's view of every interface, fresh (not its cached <see cref="LibPcapLiveDeviceList.Instance"/>).</summary>
    internal static IReadOnlyList<PcapInterface> Interfaces()
    {
        LibPcapRuntime.EnsureAvailable();
        try
        {
            return LibPcapLiveDeviceList.New().Select(device => device.Interface).OfType<PcapInterface>().ToList();
        }
        catch (PcapException e)
        {
            throw new LiveCaptureException(LiveCaptureErrorKind.Other, "Cannot list the capture interfaces: " + e.Message, e.Message, e);
        }
    }

    private static CaptureDevice Describe(PcapInterface entry)
    {
        var addresses = new List<string>();
        foreach (PcapAddress address in entry.Addresses)
        {
            if (address.Addr?.ipAddress is not { } ip || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                continue;
            // SharpPcap fills in the link-local scope ("%4"); the listing showed the bare address before, as ip(8) does.
            if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0)
                ip = new IPAddress(ip.GetAddressBytes());
            int? prefix = address.Netmask?.ipAddress is { } mask && mask.AddressFamily == ip.AddressFamily ? PrefixLength(mask) : null;
            addresses.Add(prefix is int bits ? ip + "/" + bits.ToString(CultureInfo.InvariantCulture) : ip.ToString());
        }

        uint flags = entry.Flags;
        return new CaptureDevice(
            entry.Name,
            string.IsNullOrEmpty(entry.Description) ? null : entry.Description,
            addresses,
            IsLoopback: (flags & PcapIfLoopback) != 0,
            IsUp: (flags & PcapIfUp) != 0,
            IsRunning: (flags & PcapIfRunning) != 0,
            IsWireless: (flags & PcapIfWireless) != 0,
            ConnectionStatus: (ConnectionStatus)((flags & PcapIfConnectionStatus) >> 4));
    }

    /// <summary>The prefix length of a netmask of leading ones; null for a mask that is not one (a wildcard).</summary>
    public static int? PrefixLength(IPAddress mask)
    {
        int bits = 0;
        bool ended = false;
        foreach (byte value in mask.GetAddressBytes())
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                bool one = (value >> bit & 1) != 0;
                if (one && ended)
                    return null;
                if (one)
                    bits++;
                else
                    ended = true;
            }
        }
        return bits;
    }
}
