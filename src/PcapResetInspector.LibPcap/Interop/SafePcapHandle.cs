using Microsoft.Win32.SafeHandles;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// A pcap_t. The release runs pcap_close(3PCAP) once no call holds the handle any more, so a thread still
/// inside pcap_next_ex keeps the handle alive while another disposes it.
/// </summary>
internal sealed class SafePcapHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    // The marshaller builds returned handles through this constructor.
    public SafePcapHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Interop.pcap_close(handle);
        return true;
    }
}
