using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// The tunnel a connection was carried in (its first tunnelled packet's outermost encapsulation). Zeek's rule:
/// the inner connection is the connection, and its conn.log row names the tunnel in <c>tunnel_parents</c>.
/// </summary>
/// <param name="Kind">The outermost encapsulation.</param>
/// <param name="Depth">How many tunnels deep the connection was found.</param>
/// <param name="OuterOriginator">The outer (tunnel endpoint) address on the originator's side.</param>
/// <param name="OuterResponder">The outer address on the responder's side.</param>
public sealed record TunnelRecord(TunnelKind Kind, byte Depth, IpAddress128 OuterOriginator, IpAddress128 OuterResponder)
{
    /// <summary>
    /// The tunnel's uid, the same for every connection carried between the same two tunnel endpoints in the same kind of
    /// tunnel (Zeek gives IP tunnels one uid per endpoint pair, and UDP tunnels the uid of their UDP connection; this
    /// tool tracks no UDP connections, so both get a uid derived from the endpoint pair and the kind).
    /// </summary>
    public string Uid => ConnectionUid.ForTunnel(Kind, OuterOriginator, OuterResponder);

    /// <summary>Zeek's Tunnel::Type names (base/frameworks/tunnels), as tunnel.log writes them.</summary>
    public string KindName => Kind switch
    {
        TunnelKind.IpInIp => "Tunnel::IP",
        TunnelKind.Gre => "Tunnel::GRE",
        TunnelKind.Vxlan => "Tunnel::VXLAN",
        TunnelKind.Geneve => "Tunnel::GENEVE",
        TunnelKind.GtpU => "Tunnel::GTPv1",
        TunnelKind.Teredo => "Tunnel::TEREDO",
        TunnelKind.Ayiya => "Tunnel::AYIYA",
        _ => "Tunnel::NONE",
    };
}
