using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;
using static PcapResetInspector.Core.Tests.Decoding.PacketBuilder;
using static PcapResetInspector.Core.Tests.Decoding.TunnelPacketBuilder;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>
/// A connection carried in a tunnel is the inner connection (Zeek's rule), and it remembers the tunnel: Zeek's
/// tunnel_parents in the conn.log, the kind and the outer addresses in CSV and JSON.
/// </summary>
public class TunnelConnectionTests
{
    private const string Client = "10.1.0.5";
    private const string Server = "10.2.0.9";
    private const string ClientSideEndpoint = "198.51.100.7";
    private const string ServerSideEndpoint = "198.51.100.200";

    /// <summary>A refused connect, each packet put in VXLAN between the endpoint on its sender's side and the other one.</summary>
    private static List<ConnectionSummary> RefusedConnectIn(Func<byte[], bool, byte[]> encapsulate)
    {
        var builder = new TrafficBuilder(linkType: LinkTypes.Raw);
        builder.Tcp(Client, 50_000, Server, 8080).Syn().RefuseWithRst();
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        foreach (BuiltFrame frame in builder.Frames)
        {
            bool fromClient = IpAddress128.Format(SourceOf(frame.Data)) == Client;
            byte[] outer = encapsulate(frame.Data, fromClient);
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(outer, LinkTypes.Ethernet, frame.TimestampNanos, out TcpSegment segment));
            tracker.Process(in segment, outer);
        }
        tracker.Drain();
        return sink.Connections;
    }

    private static IpAddress128 SourceOf(byte[] ipv4Packet) =>
        IpAddress128.FromIPv4((uint)(ipv4Packet[12] << 24 | ipv4Packet[13] << 16 | ipv4Packet[14] << 8 | ipv4Packet[15]));

    private static byte[] InVxlan(byte[] ipPacket, bool fromClient) =>
        Ethernet(0x0800, Ipv4(Udp(49_152, 4789, Vxlan(Ethernet(0x0800, ipPacket))), protocol: 17,
            source: fromClient ? ClientSideEndpoint : ServerSideEndpoint, destination: fromClient ? ServerSideEndpoint : ClientSideEndpoint));

    private static byte[] InGre(byte[] ipPacket, bool fromClient) =>
        Ethernet(0x0800, Ipv4(Gre(0x0800, ipPacket), protocol: 47,
            source: fromClient ? ClientSideEndpoint : ServerSideEndpoint, destination: fromClient ? ServerSideEndpoint : ClientSideEndpoint));

    [Fact]
    public void VxlanConnection_IsTheInnerConnection_WithTheTunnelOrientedToItsRoles()
    {
        ConnectionSummary c = Assert.Single(RefusedConnectIn(InVxlan));
        Assert.Equal(Client, IpAddress128.Format(c.Originator.Address));
        Assert.Equal(Server, IpAddress128.Format(c.Responder.Address));
        Assert.Equal("REJ", c.ConnState);
        TunnelRecord tunnel = Assert.IsType<TunnelRecord>(c.Tunnel);
        Assert.Equal(TunnelKind.Vxlan, tunnel.Kind);
        Assert.Equal("Tunnel::VXLAN", tunnel.KindName);
        Assert.Equal(ClientSideEndpoint, IpAddress128.Format(tunnel.OuterOriginator));
        Assert.Equal(ServerSideEndpoint, IpAddress128.Format(tunnel.OuterResponder));
        Assert.Matches("^C[0-9A-Za-z]{16}$", tunnel.Uid);
        Assert.NotEqual(c.Uid, tunnel.Uid);
    }

    [Fact]
    public void TunnelUid_IsOnePerEndpointPairAndKind_WhicheverWayRound()
    {
        TunnelRecord vxlan = Assert.Single(RefusedConnectIn(InVxlan)).Tunnel!;
        TunnelRecord gre = Assert.Single(RefusedConnectIn(InGre)).Tunnel!;
        var reversed = vxlan with { OuterOriginator = vxlan.OuterResponder, OuterResponder = vxlan.OuterOriginator };
        Assert.Equal(vxlan.Uid, reversed.Uid);
        Assert.NotEqual(vxlan.Uid, gre.Uid);
        Assert.Equal("Tunnel::GRE", gre.KindName);
    }

    [Fact]
    public void PlainConnection_HasNoTunnel()
    {
        var builder = new TrafficBuilder();
        builder.Tcp(Client, 50_000, Server, 8080).Syn().RefuseWithRst();
        Assert.Null(ConnectionTestHarness.Single(builder).Tunnel);
    }

    [Fact]
    public void ZeekLog_WritesTheTunnelUidInTunnelParents_AndUnsetForPlainConnections()
    {
        ConnectionSummary tunnelled = Assert.Single(RefusedConnectIn(InVxlan));
        var plainBuilder = new TrafficBuilder();
        plainBuilder.Tcp(Client, 50_001, Server, 8080).Syn().RefuseWithRst();
        ConnectionSummary plain = ConnectionTestHarness.Single(plainBuilder);

        var text = new StringWriter();
        using (var log = new ZeekConnLogWriter(text, leaveOpen: true))
        {
            log.Add(tunnelled);
            log.Add(plain);
            log.Complete(tunnelled.LastTime);
        }
        string[] rows = text.ToString().Split('\n').Where(line => line.Length > 0 && line[0] != '#').ToArray();
        int column = Array.IndexOf(ZeekConnLogWriter.Fields, "tunnel_parents");
        Assert.Equal(tunnelled.Tunnel!.Uid, rows[0].Split('\t')[column]);
        Assert.Equal("-", rows[1].Split('\t')[column]);
    }

    [Fact]
    public void CsvAndJson_GiveTheKindAndTheOuterAddresses()
    {
        ConnectionSummary c = Assert.Single(RefusedConnectIn(InVxlan));
        var csvText = new StringWriter();
        using (var csv = new CsvConnectionWriter(csvText, leaveOpen: true))
            csv.Write(c, null, ResetParty.Originator);
        string[] lines = csvText.ToString().Split("\r\n");
        string[] header = lines[0].Split(',');
        string[] row = lines[1].Split(',');
        Assert.Equal("Tunnel::VXLAN", row[Array.IndexOf(header, "tunnel")]);
        Assert.Equal(c.Tunnel!.Uid, row[Array.IndexOf(header, "tunnel_uid")]);
        Assert.Equal(ClientSideEndpoint, row[Array.IndexOf(header, "outer_orig_addr")]);
        Assert.Equal(ServerSideEndpoint, row[Array.IndexOf(header, "outer_resp_addr")]);

        var jsonText = new StringWriter();
        using (var json = new JsonLinesConnectionWriter(jsonText, leaveOpen: true))
            json.Write(c, null, ResetParty.Originator);
        using var document = System.Text.Json.JsonDocument.Parse(jsonText.ToString());
        var root = document.RootElement;
        Assert.Equal(c.Tunnel.Uid, Assert.Single(root.GetProperty("tunnel_parents").EnumerateArray()).GetString());
        Assert.Equal("Tunnel::VXLAN", root.GetProperty("tunnel.kind").GetString());
        Assert.Equal(ClientSideEndpoint, root.GetProperty("tunnel.outer_orig_h").GetString());
        Assert.Equal(ServerSideEndpoint, root.GetProperty("tunnel.outer_resp_h").GetString());
    }
}
