namespace PcapResetInspector.Core.Capture;

/// <summary>LINKTYPE_ values from the tcpdump.org link-layer header type registry that the decoder knows.</summary>
public static class LinkTypes
{
    public const int Null = 0;          // BSD loopback, address family in the capturing host's byte order
    public const int Ethernet = 1;
    public const int Ppp = 9;
    public const int Fddi = 10;
    public const int RawBsd12 = 12;     // DLT_RAW on most BSDs
    public const int RawBsd14 = 14;     // DLT_RAW on OpenBSD
    public const int PppHdlc = 50;      // DLT_PPP_SERIAL: PPP or Cisco PPP in HDLC framing
    public const int Raw = 101;
    public const int CiscoHdlc = 104;
    public const int Ieee80211 = 105;
    public const int Loop = 108;        // OpenBSD loopback, address family in network byte order
    public const int LinuxSll = 113;
    public const int PrismHeader = 119; // 802.11 behind a Prism monitoring header
    public const int Ieee80211Radiotap = 127;
    public const int Ieee80211Avs = 163; // 802.11 behind an AVS capture header
    public const int Ppi = 192;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int Nflog = 239;       // Linux netfilter NFLOG
    public const int LinuxSll2 = 276;

    public static string Name(int linkType) => linkType switch
    {
        Null => "NULL",
        Ethernet => "EN10MB",
        Ppp => "PPP",
        Fddi => "FDDI",
        PppHdlc => "PPP_SERIAL",
        RawBsd12 or RawBsd14 or Raw => "RAW",
        CiscoHdlc => "C_HDLC",
        Ieee80211 => "IEEE802_11",
        PrismHeader => "PRISM_HEADER",
        Ieee80211Radiotap => "IEEE802_11_RADIO",
        Ieee80211Avs => "IEEE802_11_RADIO_AVS",
        Loop => "LOOP",
        LinuxSll => "LINUX_SLL",
        Ppi => "PPI",
        Ipv4 => "IPV4",
        Ipv6 => "IPV6",
        Nflog => "NFLOG",
        LinuxSll2 => "LINUX_SLL2",
        _ => "LINKTYPE_" + linkType.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
