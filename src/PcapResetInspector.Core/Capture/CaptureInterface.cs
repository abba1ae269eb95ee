namespace PcapResetInspector.Core.Capture;

/// <summary>
/// What a capture says about one interface: the pcap file header (one interface, id 0), or one pcapng
/// Interface Description Block (draft-ietf-opsawg-pcapng §4.2). Created once per interface, never per packet.
/// </summary>
/// <param name="Id">Index within the file, as in <see cref="PacketRecord.InterfaceId"/>; pcapng ids count on across sections.</param>
/// <param name="Section">pcapng section (0 for the first); always 0 for pcap.</param>
/// <param name="LinkType">LINKTYPE_ value (see <see cref="LinkTypes"/>).</param>
/// <param name="SnapLength">Snapshot length; 0 in pcapng means no limit.</param>
/// <param name="FcsLength">FCS bytes at the end of each frame, or <see cref="PacketRecord.UnknownFcsLength"/>.</param>
/// <param name="TimestampResolution">
/// Resolution in if_tsresol encoding (§4.2): high bit clear = 10^-value s, set = 2^-(value &amp; 0x7F) s;
/// 6 for microsecond pcap, 9 for nanosecond pcap.
/// </param>
/// <param name="TimestampOffsetSeconds">pcapng if_tsoffset, already added to every packet's timestamp.</param>
/// <param name="Name">pcapng if_name, when given.</param>
public sealed record CaptureInterface(
    int Id,
    int Section,
    int LinkType,
    uint SnapLength,
    int FcsLength,
    byte TimestampResolution,
    long TimestampOffsetSeconds,
    string? Name);
