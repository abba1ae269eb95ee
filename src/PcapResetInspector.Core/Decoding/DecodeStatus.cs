namespace PcapResetInspector.Core.Decoding;

/// <summary>What the decoder made of a frame. Everything but <see cref="Tcp"/> is a reason it was not analysed.</summary>
public enum DecodeStatus : byte
{
    Tcp = 0,
    /// <summary>The link layer carries something other than IPv4/IPv6 (ARP, LLC, ...).</summary>
    NotIp,
    /// <summary>IP, but not TCP (UDP, ICMP, ...).</summary>
    NotTcp,
    /// <summary>A non-first IP fragment: no TCP header in it.</summary>
    Fragment,
    /// <summary>The capture ends before the headers do (snaplen or a cut frame).</summary>
    Truncated,
    /// <summary>Header fields that no valid packet has (bad version, IHL below 5, data offset below 5, ...).</summary>
    Malformed,
    /// <summary>A link type the decoder does not know.</summary>
    UnsupportedLinkType,
    /// <summary>
    /// A tunnel the decoder does not follow: nested deeper than <see cref="PacketDecoder.MaxTunnelDepth"/>.
    /// </summary>
    TunnelNotFollowed,
}
