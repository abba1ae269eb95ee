using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Who did what in a connection, decided once as it leaves the table: which host is the client (the
/// one that sent the pure SYN, else the originator), whether the server answered, who reset first, with
/// the counters of both hosts these depend on. Plain data: a connection that needs nothing more (an
/// unanswered SYN, a normal session) is counted and classified from it without an object.
/// </summary>
public readonly struct ConnectionRoles
{
    public ConnectionRoles(in HistoryLetters letters, in PartyCounters originator, in PartyCounters responder,
        long startTime, long firstRstTime, bool firstRstFromOriginator, byte ipVersion)
    {
        Letters = letters;
        Originator = originator;
        Responder = responder;
        StartTime = startTime;
        FirstRstTime = firstRstTime;
        FirstRstFromOriginator = firstRstFromOriginator;
        IpVersion = ipVersion;

        // The client is the host that sent the pure SYN; when only the responder did (a flip the history
        // shows as 's' without 'S'), the responder.
        ClientIsOriginator = !(letters.Has(false, 'S') && !letters.Has(true, 'S'));
        bool client = ClientIsOriginator, server = !ClientIsOriginator;
        ClientSentSyn = letters.Has(client, 'S');
        ServerAnsweredSyn = letters.HasBeforeRst(server, 'H');
        ServerSentSynAck = letters.Has(server, 'H');
        ClientEverAcked = letters.Has(client, 'A') || letters.Has(client, 'D') || letters.Has(client, 'F');
        ServerAckedBeforeRst = letters.HasBeforeRst(server, 'A');
        ClientCompletedHandshake = letters.HasBeforeRst(client, 'A') || letters.HasBeforeRst(client, 'D') ||
                                   letters.HasBeforeRst(client, 'F');
        DataBeforeRst = letters.HasBeforeRst(true, 'D') || letters.HasBeforeRst(false, 'D');

        // No pure SYN on either side, and only one side sent SYNs (SYN-ACKs): the SYN-ACK sender answered a SYN
        // the other host never sent. Read from the counters, not the letters, so role flips do not matter.
        // Kept rather than worked out on each use: the race books sort and search their waiting connections by it.
        ClientSynTime = ClientSentSyn ? (ClientIsOriginator ? originator : responder).FirstPacketTime : startTime;
        EndTime = Math.Max(originator.LastPacketTime, responder.LastPacketTime);

        bool anyPureSyn = letters.Has(true, 'S') || letters.Has(false, 'S');
        if (!anyPureSyn && (originator.SynCount > 0) != (responder.SynCount > 0))
            SynAckSender = originator.SynCount > 0 ? ResetParty.Originator : ResetParty.Responder;
    }

    public HistoryLetters Letters { get; }
    public PartyCounters Originator { get; }
    public PartyCounters Responder { get; }
    public long StartTime { get; }
    public long FirstRstTime { get; }
    public bool FirstRstFromOriginator { get; }
    public byte IpVersion { get; }

    public bool ClientIsOriginator { get; }
    public ResetParty ClientParty => ClientIsOriginator ? ResetParty.Originator : ResetParty.Responder;
    public PartyCounters Client => ClientIsOriginator ? Originator : Responder;
    public PartyCounters Server => ClientIsOriginator ? Responder : Originator;

    /// <summary>The client's pure SYN was seen.</summary>
    public bool ClientSentSyn { get; }
    /// <summary>The server's SYN-ACK came before the first RST.</summary>
    public bool ServerAnsweredSyn { get; }
    /// <summary>The server sent a SYN-ACK at any time, before or after a RST.</summary>
    public bool ServerSentSynAck { get; }
    /// <summary>The client sent an ACK, data or a FIN at any time: it completed the handshake.</summary>
    public bool ClientEverAcked { get; }
    /// <summary>The server sent a bare ACK before the first RST.</summary>
    public bool ServerAckedBeforeRst { get; }
    /// <summary>The client acknowledged (ACK, data or FIN) before the first RST.</summary>
    public bool ClientCompletedHandshake { get; }
    /// <summary>Either side sent data before the first RST.</summary>
    public bool DataBeforeRst { get; }
    /// <summary>The side that sent SYN-ACKs in a connection where nobody sent a SYN (reflection, backscatter, or a capture that began late).</summary>
    public ResetParty? SynAckSender { get; }

    public bool HasRst => FirstRstTime != 0;
    public bool SawRst => Originator.RstCount > 0 || Responder.RstCount > 0;
    public ResetParty? ResetBy => HasRst ? FirstRstFromOriginator ? ResetParty.Originator : ResetParty.Responder : null;
    public bool ResetterIsClient => HasRst && FirstRstFromOriginator == ClientIsOriginator;
    /// <summary>RST letters of the resetter in the history: Zeek adds one per RST with a new sequence number.</summary>
    public int ResetterRstLetters => !HasRst ? 0 : FirstRstFromOriginator ? Letters.OriginatorRstLetters : Letters.ResponderRstLetters;

    /// <summary>When the client's SYN was seen; the connection's start when it sent none.</summary>
    public long ClientSynTime { get; }
    /// <summary>The last packet of either host.</summary>
    public long EndTime { get; }
}
