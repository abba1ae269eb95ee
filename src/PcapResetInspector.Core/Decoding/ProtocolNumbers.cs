namespace PcapResetInspector.Core.Decoding;

/// <summary>EtherType values (IEEE 802 numbers registry) the decoder follows.</summary>
internal static class EtherTypes
{
    /// <summary>Values below this are an IEEE 802.3 length field, not an EtherType (IEEE 802.3 §3.2.6).</summary>
    public const ushort MinimumEtherType = 0x0600;
    public const ushort IPv4 = 0x0800;
    public const ushort IPv6 = 0x86DD;
    public const ushort Vlan8021Q = 0x8100;
    public const ushort Vlan8021ad = 0x88A8;
    /// <summary>Pre-standard QinQ outer tag used by some switches.</summary>
    public const ushort VlanQinQLegacy = 0x9100;
    public const ushort MplsUnicast = 0x8847;
    public const ushort MplsMulticast = 0x8848;
    public const ushort PppoeSession = 0x8864;
    /// <summary>Transparent Ethernet Bridging (RFC 1701 §3.1 protocol types; RFC 8926 §3.4): an Ethernet frame follows.</summary>
    public const ushort TransparentEthernetBridging = 0x6558;
    /// <summary>ERSPAN type I and II in GRE (draft-foschiano-erspan-03 §4.1, §4.2).</summary>
    public const ushort ErspanTypeII = 0x88BE;
    /// <summary>ERSPAN type III in GRE (draft-foschiano-erspan-03 §4.3).</summary>
    public const ushort ErspanTypeIII = 0x22EB;
    /// <summary>PPP in PPTP's enhanced GRE (RFC 2637 §4.1).</summary>
    public const ushort PptpPpp = 0x880B;
}

/// <summary>PPP protocol field values (RFC 1661 §2, RFC 1332, RFC 5072).</summary>
internal static class PppProtocols
{
    public const ushort IPv4 = 0x0021;
    public const ushort IPv6 = 0x0057;
}

/// <summary>IP protocol / IPv6 next-header numbers (IANA protocol numbers registry).</summary>
internal static class IpProtocols
{
    public const byte HopByHopOptions = 0;
    /// <summary>IPv4 encapsulated in IP (RFC 2003 §3; RFC 2473 §3 in IPv6).</summary>
    public const byte IPv4Encapsulation = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>IPv6 encapsulated in IP (RFC 4213 §3.5; RFC 2473 §3 in IPv6).</summary>
    public const byte IPv6Encapsulation = 41;
    /// <summary>Generic Routing Encapsulation (RFC 2784).</summary>
    public const byte Gre = 47;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte AuthenticationHeader = 51;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
}

/// <summary>UDP ports that announce a tunnel (IANA service name and port number registry).</summary>
internal static class TunnelUdpPorts
{
    /// <summary>3GPP TS 29.281 §4.4.2.3.</summary>
    public const ushort GtpU = 2152;
    /// <summary>RFC 4380 §4.</summary>
    public const ushort Teredo = 3544;
    /// <summary>GRE-in-UDP, RFC 8086 §3.1 (Zeek's GRE analyzer is registered on it too).</summary>
    public const ushort GreInUdp = 4754;
    /// <summary>VXLAN, RFC 7348 §5.</summary>
    public const ushort Vxlan = 4789;
    /// <summary>AYIYA (Anything In Anything, draft-massar-v6ops-ayiya-02 §7).</summary>
    public const ushort Ayiya = 5072;
    /// <summary>RFC 8926 §3.3.</summary>
    public const ushort Geneve = 6081;
}

/// <summary>
/// Address-family values of the NULL/LOOP link types: AF_INET is 2 everywhere, AF_INET6 differs per OS
/// (tcpdump.org link-type registry, LINKTYPE_NULL).
/// </summary>
internal static class LoopbackAddressFamilies
{
    public const uint Inet = 2;
    public const uint Inet6Linux = 10;
    public const uint Inet6NetBsdOpenBsd = 24;
    public const uint Inet6FreeBsd = 28;
    public const uint Inet6Darwin = 30;
}
