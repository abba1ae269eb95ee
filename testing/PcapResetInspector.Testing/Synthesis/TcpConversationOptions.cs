using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// How a scripted TCP conversation looks on the wire. The defaults resemble a Windows client
/// (TTL 128) talking to a Linux server (TTL 64). A conversation copies these values when it is
/// created, so changing them later does not affect it.
/// </summary>
public sealed class TcpConversationOptions
{
    /// <summary>Client initial sequence number; null derives a fixed value from the 4-tuple.</summary>
    public uint? ClientIsn { get; set; }

    /// <summary>Server initial sequence number; null derives a fixed value from the 4-tuple.</summary>
    public uint? ServerIsn { get; set; }

    /// <summary>IPv4 TTL or IPv6 hop limit of the client's packets.</summary>
    public byte ClientTtl { get; set; } = 128;

    public byte ServerTtl { get; set; } = 64;

    /// <summary>IPv4 identification of the client's first packet, incremented per packet it sends.</summary>
    public ushort ClientIpId { get; set; } = 0x1000;

    /// <summary>IPv4 identification of the server's first packet, incremented per packet it sends.</summary>
    public ushort ServerIpId { get; set; } = 0x8000;

    /// <summary>
    /// Receive window in bytes. SYNs carry it as is; later segments carry it shifted right by
    /// <see cref="WindowScale"/> when both SYNs had the option (RFC 7323 §2.2), so the window
    /// a reader computes stays about the same.
    /// </summary>
    public ushort ClientWindow { get; set; } = 64240;

    public ushort ServerWindow { get; set; } = 65160;

    /// <summary>MSS option value in both SYNs.</summary>
    public ushort Mss { get; set; } = 1460;

    /// <summary>Window scale shift both sides offer (0-14, RFC 7323 §2.3); null sends no option.</summary>
    public byte? WindowScale { get; set; } = 7;

    public bool SackPermitted { get; set; } = true;

    /// <summary>TCP timestamps (RFC 7323 §3): offered in the SYN, then on every non-RST segment if both SYNs had them.</summary>
    public bool Timestamps { get; set; } = true;

    /// <summary>IPv4 don't-fragment bit; both Windows and Linux set it on TCP packets.</summary>
    public bool DontFragment { get; set; } = true;

    /// <summary>Keep-alives carry one garbage byte, as Windows sends them, instead of none (Linux).</summary>
    public bool KeepAliveWithGarbageByte { get; set; }

    /// <summary>802.1Q VLAN id on Ethernet frames (0: untagged).</summary>
    public ushort Vlan { get; set; }

    /// <summary>Inner VLAN id: with it, <see cref="Vlan"/> becomes an 802.1ad outer tag (QinQ).</summary>
    public ushort InnerVlan { get; set; }

    /// <summary>How far the builder clock moves after each packet of this conversation.</summary>
    public TimeSpan Gap { get; set; } = TimeSpan.FromMilliseconds(1);

    internal TcpConversationOptions Copy() => (TcpConversationOptions)MemberwiseClone();

    internal void Validate(int linkType)
    {
        if (WindowScale > 14)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowScale), "RFC 7323 §2.3 limits the shift count to 14.");
        }
        if (Vlan > 4095 || InnerVlan > 4095)
        {
            throw new ArgumentOutOfRangeException(nameof(Vlan), "A VLAN id has 12 bits.");
        }
        if (InnerVlan != 0 && Vlan == 0)
        {
            throw new ArgumentException("An inner VLAN needs an outer VLAN.", nameof(InnerVlan));
        }
        if (Vlan != 0 && linkType != LinkTypes.Ethernet)
        {
            throw new ArgumentException("VLAN tags need the Ethernet link type.", nameof(Vlan));
        }
        if (Gap < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Gap), "The gap cannot be negative.");
        }
    }
}
