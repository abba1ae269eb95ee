using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;
using static PcapResetInspector.Core.Tests.Connections.ConnectionTestHarness;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>
/// The baseline-validated examples of zeek-conn-semantics §3.2, each scripted with the traffic builder:
/// the history letters and the conn_state Zeek writes for them.
/// </summary>
public class ConnStateTests
{
    private const string Client = "10.0.0.1";
    private const string Server = "10.0.0.2";

    private static TrafficBuilder NewBuilder() => new();

    [Fact]
    public void LoneRstFromOriginator_IsROth()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40000, Server, 50000).Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("R", c.History);
        Assert.Equal("OTH", c.ConnState);
    }

    [Fact]
    public void LoneRstFromServerPort_IsFlippedToResponder_RstRh()
    {
        var b = NewBuilder();
        b.Tcp(Client, 50000, Server, 80).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("^r", c.History);
        Assert.Equal("RSTRH", c.ConnState);
        Assert.Equal((ushort)80, c.Responder.Port);
        Assert.True(c.RolesFlipped);
    }

    [Fact]
    public void SynThenRst_IsRstos0()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40001, Server, 80).Syn().Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("SR", c.History);
        Assert.Equal("RSTOS0", c.ConnState);
    }

    [Fact]
    public void SynThenResponderAckThenRst_IsRstos0()
    {
        // The responder acks the SYN before any SYN-ACK: Zeek keeps it INACTIVE ("eccentric TCP" rule).
        var b = NewBuilder();
        b.Tcp(Client, 40002, Server, 80).Syn().Ack(Side.Server).Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("SaR", c.History);
        Assert.Equal("RSTOS0", c.ConnState);
        Assert.Equal(EndpointState.Inactive, c.Responder.State);
    }

    [Fact]
    public void FinBreaksTheRstos0Pattern_IsOth()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40003, Server, 80).Syn().Ack(Side.Server).Fin(Side.Client).Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("SaFR", c.History);
        Assert.Equal("OTH", c.ConnState);
    }

    [Fact]
    public void RefusedSyn_IsRej()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40004, Server, 110).Syn().RefuseWithRst();
        var c = Single(b);
        Assert.Equal("Sr", c.History);
        Assert.Equal("REJ", c.ConnState);
    }

    [Fact]
    public void RetriedSynsAfterRefusal_AreOneConnectionEach()
    {
        // pop3.pcap: every retried SYN after the RST is a new connection (the RST closed the old one).
        var b = NewBuilder();
        for (int i = 0; i < 3; i++)
        {
            b.Tcp(Client, 40005, Server, 110, new TcpConversationOptions { ClientIsn = 1000u + (uint)i * 7919 })
                .Syn().RefuseWithRst().Wait(TimeSpan.FromMilliseconds(500));
        }
        var all = Track(b);
        Assert.Equal(3, all.Count);
        Assert.All(all, c => Assert.Equal(("Sr", "REJ"), (c.History, c.ConnState)));
        Assert.Equal(3, all.Select(c => c.Uid).Distinct().Count());
    }

    [Fact]
    public void HandshakeThenOriginatorRst_IsRsto()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40006, Server, 502).Syn().SynAck().Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("ShR", c.History);
        Assert.Equal("RSTO", c.ConnState);
    }

    [Fact]
    public void MidStreamDataThenResponderRst_IsRstrh()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40007, Server, 502).Data(Side.Client, 12).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("Dr", c.History);
        Assert.Equal("RSTRH", c.ConnState);
    }

    [Fact]
    public void EstablishedDataThenOriginatorRst_IsRsto()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40008, Server, 80).Handshake().Data(Side.Client, 100).Ack(Side.Server).Data(Side.Server, 200).Ack(Side.Client).Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("ShADadR", c.History);
        Assert.Equal("RSTO", c.ConnState);
        Assert.Equal(100UL, c.Originator.Size);
        Assert.Equal(200UL, c.Responder.Size);
    }

    [Fact]
    public void OriginatorFinThenRst_WithPeerOpen_IsRsto()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40009, Server, 110).Handshake().Data(Side.Server, 50).Data(Side.Client, 10).Ack(Side.Server)
            .Fin(Side.Client).Rst(Side.Client);
        var c = Single(b);
        Assert.Equal("ShAdDaFR", c.History);
        Assert.Equal("RSTO", c.ConnState);
    }

    [Fact]
    public void ResponderRstAfterData_IsRstr()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40010, Server, 21).Handshake().Data(Side.Server, 30).Data(Side.Client, 10).Ack(Side.Server)
            .Fin(Side.Server).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("ShAdDafr", c.History);
        Assert.Equal("RSTR", c.ConnState);
    }

    [Fact]
    public void OriginatorFinThenResponderRst_IsRstr()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40011, Server, 22).Handshake().Data(Side.Client, 30).Ack(Side.Server).Data(Side.Server, 40).Ack(Side.Client)
            .Fin(Side.Client).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADadFr", c.History);
        Assert.Equal("RSTR", c.ConnState);
    }

    [Fact]
    public void FinRstThenPeerFin_TurnsBackIntoSf()
    {
        // irc-starttls: orig FIN, orig RST, then the responder's FIN makes orig CLOSED again.
        var b = NewBuilder();
        b.Tcp(Client, 40012, Server, 6667).Handshake().Data(Side.Client, 30).Ack(Side.Server).Data(Side.Server, 40).Ack(Side.Client)
            .Fin(Side.Client).Rst(Side.Client).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADadFRf", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.Equal(EndpointState.Closed, c.Originator.State);
    }

    [Fact]
    public void RstAfterBothFins_IsIgnoredForState_Sf()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40013, Server, 143).Handshake().Data(Side.Server, 30).Data(Side.Client, 10).Ack(Side.Server)
            .Fin(Side.Server).Fin(Side.Client).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("ShAdDafFr", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.True(c.SawRst);
    }

    [Fact]
    public void RstAfterBothFins_OtherOrder_Sf()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40014, Server, 5222).Handshake().Data(Side.Client, 30).Ack(Side.Server).Data(Side.Server, 40).Ack(Side.Client)
            .Fin(Side.Server).Fin(Side.Client).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADadfFr", c.History);
        Assert.Equal("SF", c.ConnState);
    }

    [Fact]
    public void CleanSession_IsSfWithSequenceSpaceSizes()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40015, Server, 80).Handshake().Data(Side.Client, 120).Ack(Side.Server).Data(Side.Server, 1400).Ack(Side.Client)
            .Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        var c = Single(b);
        Assert.Equal("ShADadFf", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.Equal(120UL, c.Originator.Size);
        Assert.Equal(1400UL, c.Responder.Size);
        Assert.Equal(6UL, c.Originator.Packets);
        Assert.Equal(4UL, c.Responder.Packets);
    }

    [Fact]
    public void FinalAckAfterBothFins_IsCountedButDoesNotExtendDuration()
    {
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40016, Server, 80).Handshake().Fin(Side.Client).Fin(Side.Server);
        long lastFin = b.Frames[^1].TimestampNanos;
        conv.Wait(TimeSpan.FromSeconds(1)).Ack(Side.Client);
        var c = Single(b);
        Assert.Equal(lastFin, c.LastTime);
        Assert.Equal(4UL, c.Originator.Packets);
    }

    [Fact]
    public void OriginatorDataWhileSynSent_NoResponder_IsS0()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40017, Server, 2222).Syn().Ack(Side.Client).Data(Side.Client, 20);
        var c = Single(b);
        Assert.Equal("SAD", c.History);
        Assert.Equal("S0", c.ConnState);
    }

    [Fact]
    public void OriginatorFinWithSilentResponder_IsSh()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40018, Server, 2222).Syn().Ack(Side.Client).Data(Side.Client, 20).Fin(Side.Client);
        var c = Single(b);
        Assert.Equal("SADF", c.History);
        Assert.Equal("SH", c.ConnState);
    }

    [Fact]
    public void AttemptTimer_SplitsOneTupleIntoS0ThenSh()
    {
        // half-duplex-client: only the client side captured; the attempt timer ends the first
        // connection 5 s after its SYN and later packets start a partial one.
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40019, Server, 2222).Syn().Ack(Side.Client).Data(Side.Client, 20);
        conv.Wait(TimeSpan.FromSeconds(6)).Data(Side.Client, 30).Ack(Side.Client).Fin(Side.Client);
        var all = Track(b);
        Assert.Equal(2, all.Count);
        Assert.Equal(("SAD", "S0", RemovalReason.AttemptTimeout), (all[0].History, all[0].ConnState, all[0].Removal));
        Assert.Equal(("DAF", "SH"), (all[1].History, all[1].ConnState));
    }

    [Fact]
    public void ServerOnlyCapture_IsFlippedShr()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40020, Server, 80).SynAck().Data(Side.Server, 100).Ack(Side.Server).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("^hdaf", c.History);
        Assert.Equal("SHR", c.ConnState);
    }

    [Fact]
    public void ServerOnlyCapture_AckFirst_IsFlippedShr()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40021, Server, 80).SynAck().Ack(Side.Server).Data(Side.Server, 100).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("^hadf", c.History);
        Assert.Equal("SHR", c.ConnState);
    }

    [Fact]
    public void FinFromServerPortThenClientAck_IsShr()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40022, Server, 443).Fin(Side.Server).Ack(Side.Client);
        var c = Single(b);
        Assert.Equal("^fA", c.History);
        Assert.Equal("SHR", c.ConnState);
    }

    [Fact]
    public void FinThenAck_BetweenUnknownPorts_IsSh()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40023, Server, 41000).Fin(Side.Client).Ack(Side.Server);
        var c = Single(b);
        Assert.Equal("Fa", c.History);
        Assert.Equal("SH", c.ConnState);
    }

    [Fact]
    public void OpenSession_IsS1()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40024, Server, 80).Handshake().Data(Side.Client, 10).Ack(Side.Server).Data(Side.Server, 10);
        var c = Single(b);
        Assert.Equal("ShADad", c.History);
        Assert.Equal("S1", c.ConnState);
        Assert.Equal(RemovalReason.EndOfInput, c.Removal);
    }

    [Fact]
    public void AckBeforeData_IsS1()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40025, Server, 80).Syn().SynAck().Ack(Side.Client).Ack(Side.Server).Data(Side.Client, 10).Data(Side.Server, 10);
        var c = Single(b);
        Assert.Equal("ShAaDd", c.History);
        Assert.Equal("S1", c.ConnState);
    }

    [Fact]
    public void MissedSyn_SynAckFromServerPort_IsFlippedS1()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40026, Server, 88).SynAck().Ack(Side.Client).Data(Side.Client, 10).Data(Side.Server, 10);
        var c = Single(b);
        Assert.Equal("^hADd", c.History);
        Assert.Equal("S1", c.ConnState);
    }

    [Fact]
    public void HalfClosedByResponder_IsS3()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40027, Server, 2123).Handshake().Data(Side.Client, 10).Ack(Side.Server).Data(Side.Server, 10).Ack(Side.Client).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADadf", c.History);
        Assert.Equal("S3", c.ConnState);
    }

    [Fact]
    public void HalfClosedByOriginator_IsS2()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40028, Server, 2123).Handshake().Data(Side.Client, 10).Ack(Side.Server).Data(Side.Server, 10).Ack(Side.Client).Fin(Side.Client);
        var c = Single(b);
        Assert.Equal("ShADadF", c.History);
        Assert.Equal("S2", c.ConnState);
    }

    [Fact]
    public void MidStreamBothSides_IsOth()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40029, Server, 41000).Data(Side.Client, 10).Data(Side.Server, 10).Ack(Side.Client);
        var c = Single(b);
        Assert.Equal("DdA", c.History);
        Assert.Equal("OTH", c.ConnState);
    }

    [Fact]
    public void LoneSynAck_BareMode_IsH()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40030, Server, 80).SynAck();
        var c = Single(b, Bare);
        Assert.Equal("H", c.History);
        Assert.Equal("OTH", c.ConnState);
    }

    [Fact]
    public void LoneSynAck_FromServerPort_IsFlippedH()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40031, Server, 80).SynAck();
        var c = Single(b);
        Assert.Equal("^h", c.History);
        Assert.Equal("OTH", c.ConnState);
    }

    [Fact]
    public void LoneSyn_IsS0()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40032, Server, 80).Syn();
        var c = Single(b);
        Assert.Equal("S", c.History);
        Assert.Equal("S0", c.ConnState);
    }

    [Fact]
    public void BadChecksumSyn_IsCOth_AndUncounted()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40033, Server, 80).Syn();
        CorruptLastChecksum(b);
        var c = Single(b, new ConnectionTrackerOptions { VerifyChecksums = true });
        Assert.Equal("C", c.History);
        Assert.Equal("OTH", c.ConnState);
        Assert.Equal(0UL, c.Originator.Packets);
    }

    [Fact]
    public void BadChecksumSyn_ThenSynAckReusesTheTuple_HcAdfSh()
    {
        // localhost-bad-chksum: conn C OTH, then the server's SYN-ACK starts a new connection with
        // the server as originator (no likely server port involved).
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40034, Server, 41000).Syn();
        CorruptLastChecksum(b);
        conv.SynAck().Ack(Side.Client);
        CorruptLastChecksum(b);
        conv.Ack(Side.Server).Data(Side.Server, 10).Fin(Side.Server);
        var all = Track(b, new ConnectionTrackerOptions { VerifyChecksums = true });
        Assert.Equal(2, all.Count);
        Assert.Equal(("C", "OTH"), (all[0].History, all[0].ConnState));
        Assert.Equal(("HcADF", "SH"), (all[1].History, all[1].ConnState));
        Assert.Equal((ushort)41000, all[1].Originator.Port);
    }

    [Fact]
    public void SynAckCapturedBeforeSyn_FlipsAndEstablishes()
    {
        // core.connection_flipped (bare mode): H from the server, then the client's SYN: s, ^, then a normal session.
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40035, Server, 80);
        conv.Send(Side.Server, TcpFlags.Syn | TcpFlags.Ack, default, seq: conv.ServerIsn, ack: conv.ClientIsn + 1);
        conv.Send(Side.Client, TcpFlags.Syn, default, seq: conv.ClientIsn);
        conv.Send(Side.Client, TcpFlags.Ack, default, seq: conv.ClientIsn + 1, ack: conv.ServerIsn + 1);
        conv.Send(Side.Client, TcpFlags.Ack | TcpFlags.Psh, new byte[10], seq: conv.ClientIsn + 1, ack: conv.ServerIsn + 1);
        conv.Send(Side.Server, TcpFlags.Ack, default, seq: conv.ServerIsn + 1, ack: conv.ClientIsn + 11);
        conv.Send(Side.Server, TcpFlags.Ack | TcpFlags.Psh, new byte[20], seq: conv.ServerIsn + 1, ack: conv.ClientIsn + 11);
        conv.Send(Side.Client, TcpFlags.Fin | TcpFlags.Ack, default, seq: conv.ClientIsn + 11, ack: conv.ServerIsn + 21);
        conv.Send(Side.Server, TcpFlags.Fin | TcpFlags.Ack, default, seq: conv.ServerIsn + 21, ack: conv.ClientIsn + 12);
        var c = Single(b, Bare);
        Assert.Equal("Hs^ADadFf", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.Equal((ushort)40035, c.Originator.Port);
    }

    [Fact]
    public void SynAckBetweenTwoServerPorts_FlipsOnFirstAck()
    {
        // flip-without-syn: 80 and 6669 are both likely server ports, so a SYN-ACK is not flipped at
        // creation; the client's first ACK turns "H" into "^h".
        var b = NewBuilder();
        b.Tcp(Client, 6669, Server, 80).SynAck().Ack(Side.Client).Data(Side.Client, 10).Ack(Side.Server)
            .Data(Side.Server, 10).Ack(Side.Client).Fin(Side.Client).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("^hADadFf", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.Equal((ushort)6669, c.Originator.Port);
    }

    [Fact]
    public void Retransmissions_AddScaledTLetters()
    {
        // tcp-dups: T/t at the 1st and the 10th retransmission of each side.
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40036, Server, 80).Handshake().Data(Side.Client, 100).RetransmitLast(Side.Client);
        conv.Ack(Side.Server).Data(Side.Server, 100).RetransmitLast(Side.Server);
        for (int i = 0; i < 9; i++) conv.RetransmitLast(Side.Client);
        for (int i = 0; i < 9; i++) conv.RetransmitLast(Side.Server);
        conv.Ack(Side.Client).Fin(Side.Client).Fin(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADTadtTtFf", c.History);
        Assert.Equal("SF", c.ConnState);
        Assert.Equal(10U, c.Originator.Retransmissions);
    }

    [Fact]
    public void ContentGap_AddsGAndMissedBytes()
    {
        // The server acknowledges data the capture never saw: a content gap (G) of that many bytes.
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40037, Server, 80).Handshake().Data(Side.Client, 100);
        uint skipped = conv.ClientNextSeq + 300;
        conv.Send(Side.Client, TcpFlags.Ack | TcpFlags.Psh, new byte[100], seq: skipped, ack: conv.ServerNextSeq);
        conv.Send(Side.Server, TcpFlags.Ack, default, seq: conv.ServerNextSeq, ack: skipped + 100);
        var c = Single(b);
        Assert.Equal("ShADaG", c.History);
        Assert.Equal(300UL, c.MissedBytes);
    }

    [Fact]
    public void ZeroWindow_AddsW()
    {
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40038, Server, 80).Handshake().Data(Side.Client, 100);
        conv.Send(Side.Server, TcpFlags.Ack, default, window: 0);
        var c = Single(b);
        Assert.Equal("ShADaw", c.History);
    }

    [Fact]
    public void NewSynOnClosedConnection_StartsANewConnection()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40039, Server, 80).Handshake().Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        b.Tcp(Client, 40039, Server, 80, new TcpConversationOptions { ClientIsn = 99_999 }).Handshake().Rst(Side.Client);
        var all = Track(b);
        Assert.Equal(2, all.Count);
        Assert.Equal(("ShAFf", "SF", RemovalReason.Reused), (all[0].History, all[0].ConnState, all[0].Removal));
        Assert.Equal(("ShAR", "RSTO"), (all[1].History, all[1].ConnState));
    }

    [Fact]
    public void SynWithNewIsnOnOpenConnection_IsReuse()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40040, Server, 80).Handshake().Data(Side.Client, 10);
        b.Tcp(Client, 40040, Server, 80, new TcpConversationOptions { ClientIsn = 123_456 }).Syn();
        var all = Track(b);
        Assert.Equal(2, all.Count);
        Assert.Equal(("ShAD", "S1", RemovalReason.Reused), (all[0].History, all[0].ConnState, all[0].Removal));
        Assert.Equal(("S", "S0"), (all[1].History, all[1].ConnState));
    }

    [Fact]
    public void RetransmittedSyn_IsNotReuse()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40041, Server, 80).Syn().Wait(TimeSpan.FromSeconds(1)).RetransmitLast(Side.Client);
        var c = Single(b);
        Assert.Equal("S", c.History);
        Assert.Equal(2UL, c.Originator.Packets);
    }

    [Fact]
    public void InactivityTimeout_SplitsAnIdleConnection()
    {
        // expire-all-timers: a packet 300 s after the last activity starts a new connection (Da + D).
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40042, Server, 41000).Data(Side.Client, 10).Ack(Side.Server);
        conv.Wait(TimeSpan.FromSeconds(301)).Data(Side.Client, 10);
        var all = Track(b);
        Assert.Equal(2, all.Count);
        Assert.Equal(("Da", RemovalReason.Inactive), (all[0].History, all[0].Removal));
        Assert.Equal("D", all[1].History);
    }

    [Fact]
    public void AfterAQuietStretch_ConnectionsLeaveInTheOrderOfTheirRemovalTimes()
    {
        // Zeek runs timers strictly in time order. The established connection's next queued timer (an expire
        // tick, which leaves it in place) comes before the unanswered SYN's attempt timer, but its inactivity
        // timer comes almost five minutes after that: one packet 1,000 s later makes all three due at once.
        var b = NewBuilder();
        b.Tcp(Client, 40100, Server, 41000).Data(Side.Client, 10).Ack(Side.Server);
        b.Advance(TimeSpan.FromSeconds(10));
        b.Tcp(Client, 40101, Server, 41001).Syn();
        b.Advance(TimeSpan.FromSeconds(1000));
        b.Tcp("10.0.0.3", 40102, Server, 41002).Syn();

        List<ConnectionSummary> all = Track(b);

        Assert.Equal([RemovalReason.AttemptTimeout, RemovalReason.Inactive, RemovalReason.EndOfInput], all.Select(c => c.Removal));
        Assert.Equal(all.Select(c => c.RemovalTime).Order(), all.Select(c => c.RemovalTime));
    }

    [Fact]
    public void VlansAreOneConnection_UnlessAsked()
    {
        var b = NewBuilder();
        b.Tcp(Client, 40043, Server, 80, new TcpConversationOptions { Vlan = 10 }).Syn();
        b.Tcp(Client, 40043, Server, 80, new TcpConversationOptions { Vlan = 20 }).Syn();
        Assert.Single(Track(b));
        Assert.Equal(2, Track(b, new ConnectionTrackerOptions { IncludeVlanInKey = true }).Count);
    }

    [Fact]
    public void Ipv6Connection_CountsIpBytesAsPayloadPlus40()
    {
        var b = NewBuilder();
        b.Tcp("2001:db8::1", 40044, "2001:db8::2", 80).Handshake().Data(Side.Client, 100).Rst(Side.Server);
        var c = Single(b);
        Assert.Equal("ShADr", c.History);
        Assert.Equal("RSTR", c.ConnState);
        Assert.Equal(6, c.IpVersion);
        Assert.Equal("2001:db8::1", IpAddress128.Format(c.Originator.Address));
        Assert.True(c.Originator.IpBytes > 3 * 40);
    }

    [Fact]
    public void UidsAreDeterministic()
    {
        static TrafficBuilder Script()
        {
            var b = new TrafficBuilder();
            b.Tcp(Client, 40045, Server, 80).Handshake().Rst(Side.Server);
            b.Tcp(Client, 40046, Server, 80).Handshake().Rst(Side.Server);
            return b;
        }
        var first = Track(Script()).Select(c => c.Uid).ToArray();
        var second = Track(Script()).Select(c => c.Uid).ToArray();
        Assert.Equal(first, second);
        Assert.NotEqual(first[0], first[1]);
        Assert.All(first, uid => Assert.Matches("^C[0-9A-Za-z]{16}$", uid));
    }

    [Fact]
    public void RstAfterInactivityTimeout_IsLinkedToThePreviousConnection()
    {
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40047, Server, 445).Handshake().Data(Side.Client, 100).Ack(Side.Server);
        conv.Wait(TimeSpan.FromSeconds(700)).Rst(Side.Server);
        var all = Track(b);
        Assert.Equal(2, all.Count);
        Assert.Equal(RemovalReason.Inactive, all[0].Removal);
        Assert.Null(all[0].PreviousOnTuple);
        PriorConnection prior = Assert.IsType<PriorConnection>(all[1].PreviousOnTuple);
        Assert.Equal(all[0].Uid, prior.Uid);
        Assert.Equal(b.Frames[^2].TimestampNanos, prior.LastActivityTime);
        Assert.Equal("^r", all[1].History);
    }

    [Fact]
    public void OneCorruptTimestampFarAhead_DoesNotExpireEverything()
    {
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40048, Server, 80).Handshake().Data(Side.Client, 10);
        conv.Send(Side.Server, TcpFlags.Ack, default);
        long corrupt = b.Frames[^1].TimestampNanos + TimeSpan.FromDays(365 * 30).Ticks * 100;
        byte[] frame = b.Frames[^1].Data;
        var rebuilt = new TrafficBuilder();
        foreach (var f in b.Frames.Take(b.Frames.Count - 1))
            rebuilt.AddRawFrame(f.TimestampNanos, f.Data);
        rebuilt.AddRawFrame(corrupt, frame);
        foreach (var f in b.Frames.Take(b.Frames.Count - 1))
            rebuilt.AddRawFrame(f.TimestampNanos + 10_000_000, f.Data);
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        foreach (var f in rebuilt.Frames)
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(f.Data, f.LinkType, f.TimestampNanos, out TcpSegment s));
            tracker.Process(in s, f.Data);
        }
        tracker.Drain();
        Assert.Single(sink.Connections);
        Assert.Equal(1, tracker.TimestampOutliers);
    }

    [Fact]
    public void GapsRetransmissionAndReset_ShADaGdgtR_IsRsto()
    {
        // retransmit-fast009: a gap on each side, a responder retransmission, then the originator resets.
        var b = NewBuilder();
        var conv = b.Tcp(Client, 40049, Server, 80).Handshake().Data(Side.Client, 100).Ack(Side.Server);
        uint clientSkip = conv.ClientNextSeq + 100;
        conv.Send(Side.Client, TcpFlags.Ack | TcpFlags.Psh, new byte[100], seq: clientSkip, ack: conv.ServerNextSeq);
        conv.Send(Side.Server, TcpFlags.Ack, default, seq: conv.ServerNextSeq, ack: clientSkip + 100);
        conv.Data(Side.Server, 100);
        uint serverSkip = conv.ServerNextSeq + 50;
        conv.Send(Side.Server, TcpFlags.Ack | TcpFlags.Psh, new byte[100], seq: serverSkip, ack: clientSkip + 100);
        conv.Send(Side.Client, TcpFlags.Ack, default, seq: clientSkip + 100, ack: serverSkip + 100);
        conv.RetransmitLast(Side.Server);
        conv.Send(Side.Client, TcpFlags.Rst, default, seq: clientSkip + 100);
        var c = Single(b);
        Assert.Equal("ShADaGdgtR", c.History);
        Assert.Equal("RSTO", c.ConnState);
        Assert.Equal(150UL, c.MissedBytes);
    }

    [Fact]
    public void PacketsFromAClockFarBehind_StayOneConnection()
    {
        // A second interface whose clock is a day behind: its packets must not look a day idle and expire one by one.
        var now = new TrafficBuilder(1_700_086_400_000_000_000);
        now.Tcp(Client, 40050, Server, 80).Handshake().Data(Side.Client, 10);
        var behind = new TrafficBuilder(1_700_000_000_000_000_000);
        behind.Tcp("10.9.9.9", 40051, Server, 8810).Syn().RefuseWithRst();
        var merged = new TrafficBuilder();
        foreach (var f in now.Frames.Concat(behind.Frames))
            merged.AddRawFrame(f.TimestampNanos, f.Data);
        var all = Track(merged);
        Assert.Equal(2, all.Count);
        var refused = Assert.Single(all, c => c.Responder.Port == 8810);
        Assert.Equal(("Sr", "REJ"), (refused.History, refused.ConnState));
    }

    [Fact]
    public void AdvanceTimeWithoutPackets_FiresTheAttemptTimer()
    {
        // A live capture on an idle interface: the clock moves without packets.
        var b = NewBuilder();
        b.Tcp(Client, 40052, Server, 80).Syn();
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink);
        var f = b.Frames[0];
        Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(f.Data, f.LinkType, f.TimestampNanos, out TcpSegment seg));
        tracker.Process(in seg, f.Data);
        tracker.AdvanceTime(f.TimestampNanos + 4_999_000_000);
        Assert.Empty(sink.Connections);
        tracker.AdvanceTime(f.TimestampNanos + 5_000_000_000);
        var c = Assert.Single(sink.Connections);
        Assert.Equal((RemovalReason.AttemptTimeout, "S0"), (c.Removal, c.ConnState));
        Assert.Equal(0, tracker.ActiveConnections);
    }

    [Fact]
    public void RecentlyRemovedMemory_IsBoundedAndKeepsTheNewest()
    {
        // Three tuples time out; with room for two, the oldest is forgotten and its late RST is not linked.
        var b = NewBuilder();
        for (ushort port = 41000; port < 41003; port++)
            b.Tcp(Client, port, Server, 445).Syn();
        b.Advance(TimeSpan.FromSeconds(10));
        for (ushort port = 41000; port < 41003; port++)
            b.Tcp(Client, port, Server, 445).Rst(Side.Server);
        var sink = new ConnectionList();
        var tracker = new ConnectionTracker(sink) { RecentlyRemovedCapacity = 2 };
        foreach (var f in b.Frames)
        {
            Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(f.Data, f.LinkType, f.TimestampNanos, out TcpSegment seg));
            tracker.Process(in seg, f.Data);
        }
        tracker.Drain();
        var resets = sink.Connections.Where(c => c.SawRst).OrderBy(c => c.Originator.Port + c.Responder.Port).ToList();
        Assert.Equal(3, resets.Count);
        Assert.Null(resets[0].PreviousOnTuple);
        Assert.NotNull(resets[1].PreviousOnTuple);
        Assert.NotNull(resets[2].PreviousOnTuple);
    }
}
