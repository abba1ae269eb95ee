using System.Buffers;
using PcapResetInspector.Core.Flows;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// What the diagnosis and the race grouping read from one connection summary, worked out once:
/// who is client and server, who reset, what happened before the first RST, and the race shapes.
/// </summary>
internal sealed class ConnectionFacts
{
    public const ushort NetBiosSessionPort = 139;
    public const ushort DirectSmbPort = 445;
    private const byte NbssSessionMessage = 0x00;   // RFC 1002 §4.3.1; every direct-SMB frame on 445 starts so
    private const byte NbssSessionRequest = 0x81;   // the first client frame on 139
    /// <summary>History letters of a RST, alone or with a FIN (Zeek's R and I, either side).</summary>
    private static readonly SearchValues<char> RstLetters = SearchValues.Create("RrIi");

    public ConnectionFacts(ConnectionSummary summary)
    {
        Summary = summary;
        Retry = summary.NextOnTuple;
        History = RoleNormalizedHistory(summary.History);
        ClientIsOriginator = !(History.Contains('s') && !History.Contains('S'));
        Client = ClientIsOriginator ? summary.Originator : summary.Responder;
        Server = ClientIsOriginator ? summary.Responder : summary.Originator;

        int firstRst = History.AsSpan().IndexOfAny(RstLetters);
        string beforeRst = firstRst < 0 ? History : History[..firstRst];
        ClientSentSyn = History.Contains(ClientLetter('S'));
        ServerAnsweredSyn = beforeRst.Contains(ServerLetter('H'));
        ServerSentSynAck = History.Contains(ServerLetter('H'));
        ClientEverAcked = History.Contains(ClientLetter('A')) || History.Contains(ClientLetter('D')) || History.Contains(ClientLetter('F'));
        // No pure SYN on either side, and only one side sent SYNs (SYN-ACKs): the SYN-ACK sender answered a SYN
        // the other host never sent. Read from the counters, not the history, so role flips do not matter.
        bool anyPureSyn = History.Contains('S') || History.Contains('s');
        if (!anyPureSyn && (summary.Originator.SynCount > 0) != (summary.Responder.SynCount > 0))
            SynAckSender = summary.Originator.SynCount > 0 ? summary.Originator : summary.Responder;
        // RFC 5961 §4 / RFC 9293 §3.10.7.4: a SYN on a tuple the server still holds gets a bare ACK, not a SYN-ACK.
        ServerChallengeAck = ClientSentSyn && !ServerAnsweredSyn && beforeRst.Contains(ServerLetter('A')) && Server.DataPackets == 0;
        ClientCompletedHandshake = beforeRst.Contains(ClientLetter('A')) || beforeRst.Contains(ClientLetter('D')) ||
                                   beforeRst.Contains(ClientLetter('F'));
        DataBeforeRst = beforeRst.Contains('D') || beforeRst.Contains('d');

        ClientSynTime = ClientSentSyn ? Client.FirstPacketTime : summary.StartTime;
        EndTime = Math.Max(summary.Originator.LastPacketTime, summary.Responder.LastPacketTime);
        HasRst = summary.FirstRstTime != 0;
        if (HasRst)
        {
            ResetBy = summary.FirstRstFromOriginator ? ResetParty.Originator : ResetParty.Responder;
            Resetter = summary.FirstRstFromOriginator ? summary.Originator : summary.Responder;
            Peer = summary.FirstRstFromOriginator ? summary.Responder : summary.Originator;
            ResetterIsClient = summary.FirstRstFromOriginator == ClientIsOriginator;
            char rst = summary.FirstRstFromOriginator ? 'R' : 'r';
            char finRst = summary.FirstRstFromOriginator ? 'I' : 'i';
            ResetterRstLetters = History.Count(c => c == rst || c == finRst);
        }

        FirstClientByte = Client.FirstPayload.Length > 0 ? Client.FirstPayload[0] : -1;
        ClientPayloadUncaptured = Client.DataPackets > 0 && Client.FirstDataUncaptured;
        IsSmbPort = Server.Port is NetBiosSessionPort or DirectSmbPort;
        IsSmbCarrier = IsSmbPort && ClientSentSyn && CarriesSmb();
        SmbVariant = IsSmbPort && ClientSentSyn && !IsSmbCarrier && !IsPortReuseCollision ? SmbLoserShape() : null;
        IsProbeShaped = ClientSentSyn && Client.PayloadBytes == 0;
        IsParallelWinner = !IsSmbPort && ClientSentSyn && Client.DataPackets > 0;
        IsPortReuseCollision = ServerChallengeAck && HasRst && ResetterIsClient && Client.PayloadBytes == 0;
        IsGiveUpShape = ClientSentSyn && HasRst && ResetterIsClient && Client.PayloadBytes == 0 && !IsPortReuseCollision;
        IsParallelLoserShape = !IsSmbPort && IsGiveUpShape;
    }

    public ConnectionSummary Summary { get; }

    /// <summary>The connection that next used this 5-tuple, if known (from the flow table, or told later by the grouping).</summary>
    public NextOnTuple? Retry { get; set; }

    /// <summary>The history with every letter's case in the final roles (letters before a '^' had the other roles).</summary>
    public string History { get; }

    public bool ClientIsOriginator { get; }
    public ResetParty ClientParty => ClientIsOriginator ? ResetParty.Originator : ResetParty.Responder;
    public EndpointSummary Client { get; }
    public EndpointSummary Server { get; }

    /// <summary>The client's pure SYN was seen.</summary>
    public bool ClientSentSyn { get; }
    /// <summary>The server's SYN-ACK came before the first RST.</summary>
    public bool ServerAnsweredSyn { get; }
    /// <summary>The client sent an ACK, data or a FIN at any time: it completed the handshake.</summary>
    public bool ClientEverAcked { get; }
    /// <summary>The side that sent SYN-ACKs in a connection where nobody sent a SYN (reflection, backscatter, or a capture that began late).</summary>
    public EndpointSummary? SynAckSender { get; }
    /// <summary>The server sent a SYN-ACK at any time, before or after a RST.</summary>
    public bool ServerSentSynAck { get; }
    /// <summary>The server answered the client's SYN with a bare ACK before any SYN-ACK: it still held an earlier connection on the tuple.</summary>
    public bool ServerChallengeAck { get; }
    /// <summary>A SYN answered by a challenge ACK that the client reset (RFC 9293 §3.10.7.3): a port-reuse collision.</summary>
    public bool IsPortReuseCollision { get; }
    /// <summary>The client sent data whose first bytes were not captured (snaplen or headers-only): payload rules go by lengths.</summary>
    public bool ClientPayloadUncaptured { get; }
    /// <summary>The client acknowledged (ACK, data or FIN) before the first RST.</summary>
    public bool ClientCompletedHandshake { get; }
    /// <summary>Either side sent data before the first RST.</summary>
    public bool DataBeforeRst { get; }

    public long ClientSynTime { get; }
    public long EndTime { get; }

    public bool HasRst { get; }
    public ResetParty? ResetBy { get; }
    public EndpointSummary? Resetter { get; }
    public EndpointSummary? Peer { get; }
    public bool ResetterIsClient { get; }
    /// <summary>RST letters of the resetter in the history: Zeek adds one per RST with a new sequence number.</summary>
    public int ResetterRstLetters { get; }

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

    public char ClientLetter(char upper) => ClientIsOriginator ? upper : char.ToLowerInvariant(upper);
    public char ServerLetter(char upper) => ClientIsOriginator ? char.ToLowerInvariant(upper) : upper;

    public SiblingInfo ToSibling() => new(
        Summary.Uid, Client.Address, Server.Address, Server.Port, Summary.IpVersion, ClientSynTime, EndTime,
        Client.DataPackets, Client.PayloadBytes, Server.DataPackets, FirstClientByte, ClientPayloadUncaptured, Server.FirstPacketTime);

    /// <summary>When the client ended this attempt: its RST or FIN, else the connection's last packet.</summary>
    public long ProbeEndTime => LoserEndEventTime ?? EndTime;

    /// <summary>When the loser's attempt ended: its RST, the client's FIN, or its last packet.</summary>
    public long? LoserEndEventTime => SmbVariant switch
    {
        SmbRaceVariant.E => null,
        SmbRaceVariant.D => Client.FirstFinTime,
        _ => HasRst ? Summary.FirstRstTime : null,
    };

    private bool CarriesSmb()
    {
        if (Client.DataPackets == 0)
            return false;
        if (ClientPayloadUncaptured)
        {
            // Only lengths are known: on 445 any client data is an SMB frame (nothing else runs there); on 139
            // the first segment is the session request, so SMB needs a second one. The evidence says it was inferred.
            return Server.Port == DirectSmbPort || Client.DataPackets >= 2;
        }
        if (FirstClientByte == NbssSessionMessage)
            return true;
        // On 139 the session request comes first; SMB follows in a second client segment.
        return Server.Port == NetBiosSessionPort && FirstClientByte == NbssSessionRequest && Client.DataPackets >= 2;
    }

    /// <summary>The client's only data on 139 was the session request (0x81), or one segment whose bytes were not captured.</summary>
    private bool OnlySessionRequest() =>
        Server.Port == NetBiosSessionPort && Client.DataPackets == 1 &&
        (FirstClientByte == NbssSessionRequest || ClientPayloadUncaptured);

    private SmbRaceVariant? SmbLoserShape()
    {
        bool clientNoData = Client.PayloadBytes == 0;
        bool onlySessionRequest = OnlySessionRequest();
        if (HasRst)
        {
            if (!ResetterIsClient)
            {
                // A server-side RST is never the race (resets.md), except the refusal of variant F.
                return !ServerAnsweredSyn && Server.DataPackets == 0 ? SmbRaceVariant.F : null;
            }
            if (clientNoData)
                return ClientCompletedHandshake ? SmbRaceVariant.B : SmbRaceVariant.A;
            return onlySessionRequest ? SmbRaceVariant.C : null;
        }
        if (Server.PacketsSent == 0)
            return SmbRaceVariant.E;
        if (Client.FinCount > 0 && (clientNoData || onlySessionRequest))
            return SmbRaceVariant.D;
        return null;
    }

    /// <summary>
    /// Zeek appends a history letter in the roles of the moment; each '^' swaps the roles for the
    /// letters after it. Swapping the case of every letter followed by an odd number of '^' gives
    /// the whole history in the final roles ("Hs^ADad" becomes "hSADad").
    /// </summary>
    internal static string RoleNormalizedHistory(string history)
    {
        if (!history.Contains('^'))
            return history;
        Span<char> letters = history.Length <= 128 ? stackalloc char[history.Length] : new char[history.Length];
        int length = 0;
        int flipsAfter = history.Count(c => c == '^');
        foreach (char c in history)
        {
            if (c == '^')
            {
                flipsAfter--;
                continue;
            }
            bool swap = flipsAfter % 2 == 1;
            letters[length++] = !swap ? c : char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c);
        }
        return new string(letters[..length]);
    }
}
