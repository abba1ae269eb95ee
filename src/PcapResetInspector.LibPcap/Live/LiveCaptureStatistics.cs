namespace PcapResetInspector.LibPcap;

/// <summary>
/// pcap_stats(3PCAP) since the capture started. libpcap counts in 32 bits, so the numbers wrap after
/// 2^32 packets; what Received counts (before or after the filter) differs between platforms.
/// </summary>
/// <param name="Received">ps_recv.</param>
/// <param name="Dropped">ps_drop: no room in the OS buffer because packets were not read fast enough.</param>
/// <param name="InterfaceDropped">ps_ifdrop: dropped by the interface or its driver; zero may mean "not known".</param>
public readonly record struct LiveCaptureStatistics(long Received, long Dropped, long InterfaceDropped);
