namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Zeek's TCP endpoint states (TCP_Endpoint.h; script constants TCP_INACTIVE .. TCP_RESET in init-bare.zeek).
/// The numeric values match Zeek's.
/// </summary>
public enum EndpointState : byte
{
    Inactive = 0,
    SynSent = 1,
    SynAckSent = 2,
    Partial = 3,
    Established = 4,
    Closed = 5,
    Reset = 6,
}

internal static class EndpointStateExtensions
{
    /// <summary>INACTIVE, SYN_SENT and SYN_ACK_SENT: the states before a connection is under way.</summary>
    public static bool IsHandshake(this EndpointState state) => state <= EndpointState.SynAckSent;

    /// <summary>conn_state counts PARTIAL as inactive (zeek-conn-semantics §3).</summary>
    public static bool IsInactiveOrPartial(this EndpointState state) => state is EndpointState.Inactive or EndpointState.Partial;
}
