using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>Filter compilation and matching: pcap_open_dead, pcap_compile, pcap_setfilter, pcap_offline_filter.</summary>
internal static unsafe partial class Interop
{
    /// <summary>
    /// pcap_compile(3PCAP) is thread-safe only from libpcap 1.8.0 on; older ones share the parser's state,
    /// so every compile in this process takes this lock. Compiling is rare, so the lock costs nothing.
    /// </summary>
    internal static readonly Lock CompileLock = new();

    /// <summary>bpf.h struct bpf_program: an instruction count and a pointer to the instructions pcap_compile allocated.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BpfProgram
    {
        public uint InstructionCount;
        public nint Instructions;
    }

    /// <summary>pcap_open_dead(3PCAP): a handle with a link type and snapshot length, for compiling only. Takes a DLT_ value.</summary>
    [LibraryImport(LibraryName)]
    internal static partial SafePcapHandle pcap_open_dead(int dataLinkType, int snapLength);

    /// <summary>pcap_compile(3PCAP): 0 on success, PCAP_ERROR with the text in pcap_geterr otherwise.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_compile(SafePcapHandle handle, SafeBpfProgramHandle program, byte* expression, int optimize, uint netmask);

    /// <summary>pcap_setfilter(3PCAP): installs a copy of the program, so the caller may free its own afterwards.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_setfilter(SafePcapHandle handle, SafeBpfProgramHandle program);

    /// <summary>pcap_freecode(3PCAP). Only <see cref="SafeBpfProgramHandle"/> calls it.</summary>
    [LibraryImport(LibraryName)]
    internal static partial void pcap_freecode(BpfProgram* program);

    /// <summary>
    /// pcap_offline_filter(3PCAP): the program's return value, zero when the packet does not match. The
    /// header is a struct pcap_pkthdr laid out by <see cref="PacketHeaderLayout"/>.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial int pcap_offline_filter(SafeBpfProgramHandle program, byte* packetHeader, byte* packet);

    /// <summary>
    /// Compiles <paramref name="expression"/> for the handle's link type into a new program. Returns null
    /// and libpcap's message when libpcap refuses the expression.
    /// </summary>
    internal static SafeBpfProgramHandle? Compile(SafePcapHandle handle, string expression, out string error)
    {
        byte[] text = NativeText.Encode(expression);
        SafeBpfProgramHandle program = SafeBpfProgramHandle.Allocate();
        int status;
        lock (CompileLock)
        {
            fixed (byte* expressionText = text)
            {
                status = pcap_compile(handle, program, expressionText, optimize: 1, NetmaskUnknown);
            }
        }

        if (status != 0)
        {
            error = LastError(handle);
            program.Dispose();
            return null;
        }

        error = string.Empty;
        return program;
    }
}
