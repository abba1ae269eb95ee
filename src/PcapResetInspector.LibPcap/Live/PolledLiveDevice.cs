using SharpPcap.LibPcap;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// A SharpPcap live device that can wait for packets without reading them. SharpPcap's own readers allocate per
/// packet (GetNextPacket: a PcapHeader, a PosixTimeval and a pollfd array, plus a poll(2) per packet; the capture
/// event: the header and time value), so <see cref="LiveCapture"/> reads with <c>GetNextPacketPointers</c>
/// (pcap_next_ex) and waits here, where SharpPcap polls the selectable descriptor, only when the ring is empty.
/// </summary>
internal sealed class PolledLiveDevice(PcapInterface pcapInterface) : LibPcapLiveDevice(pcapInterface)
{
    /// <summary>True when the handle has a selectable descriptor to poll (Linux); elsewhere reads wait on the read timeout.</summary>
    public bool CanPoll => FileDescriptor >= 0;

    /// <summary>Waits up to <paramref name="milliseconds"/> for the descriptor to become readable.</summary>
    public bool WaitForPackets(int milliseconds) => PollFileDescriptor(milliseconds);
}
