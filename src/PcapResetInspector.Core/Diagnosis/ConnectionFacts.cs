using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// What the diagnosis reads from one connection: its summary with the evidence, the roles the tracker
/// decided (who is client and server, who reset, what happened before the first RST) and the race shapes.
/// Built only for connections that are diagnosed or wait for a sibling or their scan window.
/// </summary>
internal sealed class ConnectionFacts
{
    public const ushort NetBiosSessionPort = ConnectionShape.NetBiosSessionPort;
    public const ushort DirectSmbPort = ConnectionShape.DirectSmbPort;

    private readonly ConnectionRoles _roles;
    private readonly ConnectionShape _shape;

    public ConnectionFacts(ConnectionSummary summary)
        : this(summary, ConnectionRecord.RolesOf(summary))
    {
    }

    public ConnectionFacts(ConnectionSummary summary, in ConnectionRoles roles)
        : this(summary, in roles, new ConnectionShape(in roles))
    {
    }

    public ConnectionFacts(ConnectionSummary summary, in ConnectionRoles roles, in ConnectionShape shape)
    {
        Summary = summary;
        _roles = roles;
        _shape = shape;
        Retry = summary.NextOnTuple;
        Client = roles.ClientIsOriginator ? summary.Originator : summary.Responder;
        Server = roles.ClientIsOriginator ? summary.Responder : summary.Originator;
        if (roles.SynAckSender is { } sender)
            SynAckSender = sender == ResetParty.Originator ? summary.Originator : summary.Responder;
        if (roles.HasRst)
        {
            Resetter = summary.FirstRstFromOriginator ? summary.Originator : summary.Responder;
            Peer = summary.FirstRstFromOriginator ? summary.Responder : summary.Originator;
        }
    }

    public ConnectionSummary Summary { get; }

    /// <summary>The roles and counters the tracker decided; what the race grouping and the scan and flood tests read.</summary>
    public ref readonly ConnectionRoles Roles => ref _roles;

    /// <summary>The connection that next used this 5-tuple, if known (from the connection table, or told later by the grouping).</summary>
    public NextOnTuple? Retry { get; set; }

    public bool ClientIsOriginator => _roles.ClientIsOriginator;
    public ResetParty ClientParty => _roles.ClientParty;
    public EndpointSummary Client { get; }
    public EndpointSummary Server { get; }

    /// <summary>The client's pure SYN was seen.</summary>
    public bool ClientSentSyn => _roles.ClientSentSyn;
    /// <summary>The server's SYN-ACK came before the first RST.</summary>
    public bool ServerAnsweredSyn => _roles.ServerAnsweredSyn;
    /// <summary>The client sent an ACK, data or a FIN at any time: it completed the handshake.</summary>
    public bool ClientEverAcked => _roles.ClientEverAcked;
    /// <summary>The side that sent SYN-ACKs in a connection where nobody sent a SYN (reflection, backscatter, or a capture that began late).</summary>
    public EndpointSummary? SynAckSender { get; }
    /// <summary>The server sent a SYN-ACK at any time, before or after a RST.</summary>
    public bool ServerSentSynAck => _roles.ServerSentSynAck;
    /// <summary>The server answered the client's SYN with a bare ACK before any SYN-ACK: it still held an earlier connection on the tuple.</summary>
    public bool ServerChallengeAck => _shape.ServerChallengeAck;
    /// <summary>A SYN answered by a challenge ACK that the client reset (RFC 9293 §3.10.7.3): a port-reuse collision.</summary>
    public bool IsPortReuseCollision => _shape.IsPortReuseCollision;
    /// <summary>The client sent data whose first bytes were not captured (snaplen or headers-only): payload rules go by lengths.</summary>
    public bool ClientPayloadUncaptured => _shape.ClientPayloadUncaptured;
    /// <summary>The client acknowledged (ACK, data or FIN) before the first RST.</summary>
    public bool ClientCompletedHandshake => _roles.ClientCompletedHandshake;
    /// <summary>Either side sent data before the first RST.</summary>
    public bool DataBeforeRst => _roles.DataBeforeRst;

    public long ClientSynTime => _roles.ClientSynTime;
    public long EndTime => _roles.EndTime;

    public bool HasRst => _roles.HasRst;
    public ResetParty? ResetBy => _roles.ResetBy;
    public EndpointSummary? Resetter { get; }
    public EndpointSummary? Peer { get; }
    public bool ResetterIsClient => _roles.ResetterIsClient;
    /// <summary>RST letters of the resetter in the history: Zeek adds one per RST with a new sequence number.</summary>
    public int ResetterRstLetters => _roles.ResetterRstLetters;

    /// <summary>The client's first payload byte, or -1.</summary>
    public int FirstClientByte => _shape.FirstClientByte;
    public bool IsSmbPort => _shape.IsSmbPort;
    /// <summary>The client spoke SMB on this connection: it carried on (resets.md: 0x00 on 445, 0x81 then more on 139).</summary>
    public bool IsSmbCarrier => _shape.IsSmbCarrier;
    /// <summary>The race-loser shape this 139/445 connection has, if any.</summary>
    public SmbRaceVariant? SmbVariant => _shape.SmbVariant;
    /// <summary>A connect with no client payload: what a scanner's probe looks like.</summary>
    public bool IsProbeShaped => _shape.IsProbeShaped;
    public bool IsParallelWinner => _shape.IsParallelWinner;
    /// <summary>A client that connected (or tried to), sent nothing and reset: what a discarded attempt looks like on any port.</summary>
    public bool IsGiveUpShape => _shape.IsGiveUpShape;
    /// <summary>The give-up shape on a port other than 139/445, where the parallel-connect books hold it.</summary>
    public bool IsParallelLoserShape => _shape.IsParallelLoserShape;

    public SiblingInfo ToSibling() => Sibling(Summary.Uid, in _roles, in _shape);

    /// <summary>What a remembered winner keeps: its uid and the few counters the pairing reads.</summary>
    public static SiblingInfo Sibling(string uid, in ConnectionRoles roles, in ConnectionShape shape)
    {
        PartyCounters client = roles.Client, server = roles.Server;
        return new SiblingInfo(uid, client.Address, server.Address, server.Port, roles.IpVersion, roles.ClientSynTime, roles.EndTime,
            client.DataPackets, client.PayloadBytes, server.DataPackets, shape.FirstClientByte, shape.ClientPayloadUncaptured,
            server.FirstPacketTime);
    }

    /// <summary>When the client ended this attempt: its RST or FIN, else the connection's last packet.</summary>
    public long ProbeEndTime => LoserEndEventTime ?? EndTime;

    /// <summary>When the loser's attempt ended: its RST, the client's FIN, or its last packet.</summary>
    public long? LoserEndEventTime => SmbVariant switch
    {
        SmbRaceVariant.E => null,
        SmbRaceVariant.D => Client.FirstFinTime,
        _ => HasRst ? Summary.FirstRstTime : null,
    };
}
