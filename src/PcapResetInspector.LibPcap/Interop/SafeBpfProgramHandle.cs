using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// A struct bpf_program in native memory, so its address stays fixed for pcap_offline_filter and
/// pcap_setfilter. Release frees the instructions pcap_compile allocated (pcap_freecode(3PCAP), which
/// accepts a program that was never filled in) and then the struct itself.
/// </summary>
internal sealed unsafe class SafeBpfProgramHandle : SafeHandle
{
    private SafeBpfProgramHandle(nint program)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(program);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>An empty program for pcap_compile to fill in.</summary>
    public static SafeBpfProgramHandle Allocate() =>
        new((nint)NativeMemory.AllocZeroed((nuint)sizeof(Interop.BpfProgram)));

    protected override bool ReleaseHandle()
    {
        Interop.pcap_freecode((Interop.BpfProgram*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
