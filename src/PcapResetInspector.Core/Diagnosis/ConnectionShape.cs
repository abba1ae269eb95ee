using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The shapes the race grouping and the scan and flood tests sort connections by, from the roles alone:
/// a probe, an SMB carrier or loser (resets.md variants A-F), a parallel-connect winner or loser, a
/// port-reuse collision. Plain data, so a connection is sorted before anything is built for it.
/// </summary>
internal readonly struct ConnectionShape
{
    public const ushort NetBiosSessionPort = 139;
    public const ushort DirectSmbPort = 445;
    private const byte NbssSessionMessage = 0x00;   // RFC 1002 §4.3.1; every direct-SMB frame on 445 starts so
    private const byte NbssSessionRequest = 0x81;   // the first client frame on 139

    public ConnectionShape(in ConnectionRoles roles)
    {
        PartyCounters client = roles.Client, server = roles.Server;
        // RFC 5961 §4 / RFC 9293 §3.10.7.4: a SYN on a tuple the server still holds gets a bare ACK, not a SYN-ACK.
        ServerChallengeAck = roles.ClientSentSyn && !roles.ServerAnsweredSyn && roles.ServerAckedBeforeRst && server.DataPackets == 0;
        FirstClientByte = client.FirstPayloadByte;
        ClientPayloadUncaptured = client.DataPackets > 0 && client.FirstDataUncaptured;
        IsSmbPort = server.Port is NetBiosSessionPort or DirectSmbPort;
        IsSmbCarrier = IsSmbPort && roles.ClientSentSyn && CarriesSmb(in client, server.Port);
        IsProbeShaped = roles.ClientSentSyn && client.PayloadBytes == 0;
        IsParallelWinner = !IsSmbPort && roles.ClientSentSyn && client.DataPackets > 0;
        IsPortReuseCollision = ServerChallengeAck && roles.HasRst && roles.ResetterIsClient && client.PayloadBytes == 0;
        IsGiveUpShape = roles.ClientSentSyn && roles.HasRst && roles.ResetterIsClient && client.PayloadBytes == 0 && !IsPortReuseCollision;
        IsParallelLoserShape = !IsSmbPort && IsGiveUpShape;
        // A port-reuse collision on 139/445 keeps its loser shape too: the race grouping holds it as a loser.
        SmbVariant = IsSmbPort && roles.ClientSentSyn && !IsSmbCarrier ? SmbLoserShape(in roles) : null;
    }

    /// <summary>The server answered the client's SYN with a bare ACK before any SYN-ACK: it still held an earlier connection on the tuple.</summary>
    public bool ServerChallengeAck { get; }
    /// <summary>A SYN answered by a challenge ACK that the client reset (RFC 9293 §3.10.7.3): a port-reuse collision.</summary>
    public bool IsPortReuseCollision { get; }
    /// <summary>The client sent data whose first bytes were not captured (snaplen or headers-only): payload rules go by lengths.</summary>
    public bool ClientPayloadUncaptured { get; }
    /// <summary>The client's first payload byte, or -1.</summary>
    public int FirstClientByte { get; }
    public bool IsSmbPort { get; }
    /// <summary>The client spoke SMB on this connection: it carried on (resets.md: 0x00 on 445, 0x81 then more on 139).</summary>
    public bool IsSmbCarrier { get; }
    /// <summary>The race-loser shape this 139/445 connection has, if any.</summary>
    public SmbRaceVariant? SmbVariant { get; }
    /// <summary>A connect with no client payload: what a scanner's probe looks like.</summary>
    public bool IsProbeShaped { get; }
    public bool IsParallelWinner { get; }
    /// <summary>A client that connected (or tried to), sent nothing and reset: what a discarded attempt looks like on any port.</summary>
    public bool IsGiveUpShape { get; }
    /// <summary>The give-up shape on a port other than 139/445, where the parallel-connect books hold it.</summary>
    public bool IsParallelLoserShape { get; }

    private bool CarriesSmb(in PartyCounters client, ushort serverPort)
    {
        if (client.DataPackets == 0)
            return false;
        if (ClientPayloadUncaptured)
        {
            // Only lengths are known: on 445 any client data is an SMB frame (nothing else runs there); on 139
            // the first segment is the session request, so SMB needs a second one. The evidence says it was inferred.
            return serverPort == DirectSmbPort || client.DataPackets >= 2;
        }
        if (FirstClientByte == NbssSessionMessage)
            return true;
        // On 139 the session request comes first; SMB follows in a second client segment.
        return serverPort == NetBiosSessionPort && FirstClientByte == NbssSessionRequest && client.DataPackets >= 2;
    }

    /// <summary>The client's only data on 139 was the session request (0x81), or one segment whose bytes were not captured.</summary>
    private bool OnlySessionRequest(in PartyCounters client, ushort serverPort) =>
        serverPort == NetBiosSessionPort && client.DataPackets == 1 &&
        (FirstClientByte == NbssSessionRequest || ClientPayloadUncaptured);

    private SmbRaceVariant? SmbLoserShape(in ConnectionRoles roles)
    {
        PartyCounters client = roles.Client, server = roles.Server;
        bool clientNoData = client.PayloadBytes == 0;
        bool onlySessionRequest = OnlySessionRequest(in client, server.Port);
        if (roles.HasRst)
        {
            if (!roles.ResetterIsClient)
            {
                // A server-side RST is never the race (resets.md), except the refusal of variant F.
                return !roles.ServerAnsweredSyn && server.DataPackets == 0 ? SmbRaceVariant.F : null;
            }
            if (clientNoData)
                return roles.ClientCompletedHandshake ? SmbRaceVariant.B : SmbRaceVariant.A;
            return onlySessionRequest ? SmbRaceVariant.C : null;
        }
        if (server.PacketsSent == 0)
            return SmbRaceVariant.E;
        if (client.FinCount > 0 && (clientNoData || onlySessionRequest))
            return SmbRaceVariant.D;
        return null;
    }
}
