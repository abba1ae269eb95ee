using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// struct pcap_pkthdr (pcap/pcap.h): a struct timeval, then bpf_u_int32 caplen and len. The timeval is two
/// longs on 64-bit Linux (16 bytes), a 64-bit time_t and a 32-bit suseconds_t padded to 16 bytes on macOS,
/// and two 32-bit longs on Windows and 32-bit Unix (8 bytes); so caplen sits at offset 16 or 8.
/// </summary>
internal static unsafe class PacketHeaderLayout
{
    private static readonly bool IsWindows = OperatingSystem.IsWindows();
    private static readonly bool IsMacOS = OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst();

    /// <summary>Size of struct timeval in this process.</summary>
    public static readonly int TimevalSize = IsWindows ? 8 : IntPtr.Size == 8 ? 16 : 8;

    public static readonly int CaptureLengthOffset = TimevalSize;
    public static readonly int OriginalLengthOffset = TimevalSize + sizeof(uint);
    public static readonly int Size = TimevalSize + 2 * sizeof(uint);

    /// <summary>Room for the largest layout, for a stack buffer.</summary>
    public const int MaxSize = 24;

    public static long Seconds(byte* header) => IsWindows ? *(int*)header : *(nint*)header;

    /// <summary>tv_usec: microseconds, or nanoseconds when the handle was granted nanosecond precision.</summary>
    public static long Fraction(byte* header)
    {
        if (IsWindows)
            return *(int*)(header + sizeof(int));
        if (IsMacOS)
            return *(int*)(header + sizeof(long));   // suseconds_t is 32 bits on macOS
        return *(nint*)(header + IntPtr.Size);
    }

    public static uint CaptureLength(byte* header) => *(uint*)(header + CaptureLengthOffset);

    public static uint OriginalLength(byte* header) => *(uint*)(header + OriginalLengthOffset);

    /// <summary>Fills a header for pcap_offline_filter: a zero time stamp and the two lengths, in host byte order.</summary>
    public static void Write(Span<byte> header, int captureLength, int originalLength)
    {
        header[..Size].Clear();
        MemoryMarshal.Write(header[CaptureLengthOffset..], (uint)captureLength);
        MemoryMarshal.Write(header[OriginalLengthOffset..], (uint)originalLength);
    }
}
