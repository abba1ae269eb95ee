namespace PcapResetInspector.Core.Capture;

/// <summary>LINKTYPE_ values from the tcpdump.org link-layer header type registry that the decoder knows.</summary>
public static class LinkTypes
{
    public const int Null = 0;          // BSD loopback, address family in the capturing host's byte order
    public const int Ethernet = 1;
    public const int Ppp = 9;
    public const int RawBsd12 = 12;     // DLT_RAW on most BSDs
    public const int RawBsd14 = 14;     // DLT_RAW on OpenBSD
    public const int Raw = 101;
    public const int CiscoHdlc = 104;
    public const int Loop = 108;        // OpenBSD loopback, address family in network byte order
    public const int LinuxSll = 113;
    public const int Ppi = 192;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;

    public static string Name(int linkType) => linkType switch
    {
        Null => "NULL",
        Ethernet => "EN10MB",
        Ppp => "PPP",
        RawBsd12 or RawBsd14 or Raw => "RAW",
        CiscoHdlc => "C_HDLC",
        Loop => "LOOP",
        LinuxSll => "LINUX_SLL",
        Ppi => "PPI",
        Ipv4 => "IPV4",
        Ipv6 => "IPV6",
        LinuxSll2 => "LINUX_SLL2",
        _ => "LINKTYPE_" + linkType.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
