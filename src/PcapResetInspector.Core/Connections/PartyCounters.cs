using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// The few counters of one host that decide its role and a connection's shape (who connected, who sent
/// data, who reset). The full evidence is in <see cref="EndpointSummary"/>, built only when asked for.
/// </summary>
public readonly record struct PartyCounters
{
    public IpAddress128 Address { get; init; }
    public ushort Port { get; init; }
    public ulong PacketsSent { get; init; }
    public ulong DataPackets { get; init; }
    public ulong PayloadBytes { get; init; }
    public int SynCount { get; init; }
    public int FinCount { get; init; }
    public int RstCount { get; init; }
    public long FirstPacketTime { get; init; }
    public long LastPacketTime { get; init; }
    public long FirstFinTime { get; init; }
    /// <summary>The first payload byte it sent, or -1 (none sent, or not captured).</summary>
    public int FirstPayloadByte { get; init; }
    /// <summary>Its first data segment's payload was not captured (snaplen or a headers-only capture).</summary>
    public bool FirstDataUncaptured { get; init; }

    public static PartyCounters Of(EndpointSummary e) => new()
    {
        Address = e.Address,
        Port = e.Port,
        PacketsSent = e.PacketsSent,
        DataPackets = e.DataPackets,
        PayloadBytes = e.PayloadBytes,
        SynCount = e.SynCount,
        FinCount = e.FinCount,
        RstCount = e.RstCount,
        FirstPacketTime = e.FirstPacketTime,
        LastPacketTime = e.LastPacketTime,
        FirstFinTime = e.FirstFinTime,
        FirstPayloadByte = e.FirstPayload.Length > 0 ? e.FirstPayload[0] : -1,
        FirstDataUncaptured = e.FirstDataUncaptured,
    };

    internal static PartyCounters Of(ref TcpEndpoint e, IpAddress128 address, ushort port) => new()
    {
        Address = address,
        Port = port,
        PacketsSent = e.PacketsSent,
        DataPackets = e.DataPackets,
        PayloadBytes = e.PayloadBytes,
        SynCount = e.SynCount,
        FinCount = e.FinCount,
        RstCount = e.RstCount,
        FirstPacketTime = e.FirstPacketTime,
        LastPacketTime = e.LastPacketTime,
        FirstFinTime = e.FirstFinTime,
        FirstPayloadByte = e.FirstPayloadLength == 0 ? -1 : (byte)(e.FirstPayload >> 24),
        FirstDataUncaptured = e.FirstDataUncaptured,
    };
}
