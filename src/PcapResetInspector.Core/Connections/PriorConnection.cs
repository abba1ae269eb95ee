using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// A compact memory of a connection that already left the table, kept for a while so that a later
/// packet on the same 5-tuple (typically a lone RST after an idle timeout, which Zeek logs as a new
/// one-packet connection) can be linked to it.
/// </summary>
public sealed class PriorConnection
{
    public required string Uid { get; init; }
    public required string History { get; init; }
    public required string ConnState { get; init; }
    public required RemovalReason Removal { get; init; }
    public required long StartTime { get; init; }
    /// <summary>When either side last sent a packet (ns).</summary>
    public required long LastActivityTime { get; init; }
    public required IpAddress128 OriginatorAddress { get; init; }
    public required ushort OriginatorPort { get; init; }
    public required uint OriginatorNextSeq { get; init; }
    public required uint ResponderNextSeq { get; init; }
    public required uint OriginatorLastAck { get; init; }
    public required uint ResponderLastAck { get; init; }
    public required byte OriginatorTtl { get; init; }
    public required byte ResponderTtl { get; init; }
    public required ushort OriginatorIpId { get; init; }
    public required ushort ResponderIpId { get; init; }
    public required bool OriginatorHasTimestamps { get; init; }
    public required uint OriginatorTsVal { get; init; }
    public required bool ResponderHasTimestamps { get; init; }
    public required uint ResponderTsVal { get; init; }
    public required ulong DataPackets { get; init; }
    /// <summary>The ISN of the originator's SYN; 0 when it sent none.</summary>
    public uint OriginatorSynSeq { get; init; }
}
