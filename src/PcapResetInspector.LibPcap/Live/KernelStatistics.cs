using System.Runtime.CompilerServices;
using SharpPcap.LibPcap;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// pcap_stats(3PCAP) read correctly. SharpPcap 6.3.1's <c>PcapStatistics</c> reads struct pcap_stat on Unix as
/// three pointer-sized fields, but libpcap declares three u_int (pcap/pcap.h): on 64-bit Linux and macOS its
/// <c>DroppedPackets</c> is ps_ifdrop (plus whatever follows), never the kernel's drops. Measured on the loopback
/// flood: SharpPcap said 0 dropped where libpcap counted 475,928. So this calls SharpPcap's own binding of
/// pcap_stats with a buffer of the right shape; the project still declares no native function of its own.
/// </summary>
internal static unsafe class KernelStatistics
{
    private const string BindingType = "SharpPcap.LibPcap.LibPcapSafeNativeMethods, SharpPcap";

    /// <summary>Returns 0 and fills the three counters, or -1 (pcap_geterr says why).</summary>
    public static int Read(PcapHandle handle, out uint received, out uint dropped, out uint interfaceDropped)
    {
        // struct pcap_stat: ps_recv, ps_drop, ps_ifdrop as u_int; Npcap appends bs_capt, so leave room for it.
        uint* counters = stackalloc uint[4];
        new Span<uint>(counters, 4).Clear();
        int status = PcapStats(null, handle, (IntPtr)counters);
        (received, dropped, interfaceDropped) = (counters[0], counters[1], counters[2]);
        return status;
    }

    // SharpPcap's internal declaration: int pcap_stats(PcapHandle adapter, IntPtr stat).
    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "pcap_stats")]
    private static extern int PcapStats([UnsafeAccessorType(BindingType)] object? binding, PcapHandle handle, IntPtr stat);
}
