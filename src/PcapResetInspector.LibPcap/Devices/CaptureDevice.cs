namespace PcapResetInspector.LibPcap;

/// <summary>pcap/pcap.h PCAP_IF_CONNECTION_STATUS values.</summary>
public enum ConnectionStatus
{
    Unknown,
    Connected,
    Disconnected,
    /// <summary>The interface has no notion of being connected (loopback, "any").</summary>
    NotApplicable,
}

/// <summary>
/// An interface libpcap can capture on, as pcap_findalldevs(3PCAP) describes it.
/// </summary>
/// <param name="Name">What to pass as <see cref="LiveCaptureOptions.Interface"/>.</param>
/// <param name="Description">libpcap's description, null when it has none (usual on Linux).</param>
/// <param name="Addresses">IPv4 and IPv6 addresses, with "/prefix" when the netmask gives one.</param>
public sealed record CaptureDevice(
    string Name,
    string? Description,
    IReadOnlyList<string> Addresses,
    bool IsLoopback,
    bool IsUp,
    bool IsRunning,
    bool IsWireless,
    ConnectionStatus ConnectionStatus);
