using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The 139/445 race of resets.md: variants A-F, either port winning, either SYN first, many at once, and what must not group.</summary>
public class SmbRaceTests
{
    private const string Samba = "192.168.56.10";
    private const string Windows = "192.168.56.21";
    private static readonly TimeSpan Step = TimeSpan.FromMicroseconds(100);

    private static TcpConversationOptions WindowsToSamba() => new()
    {
        ClientTtl = 128,
        ServerTtl = 64,
        Timestamps = false,
        WindowScale = 8,
        Gap = Step,
    };

    /// <summary>The winner's SMB: direct SMB2 on 445, or a NetBIOS session request first on 139.</summary>
    internal static void CarrySmb(TcpConversation winner, ushort port, TrafficBuilder b)
    {
        var guid = new Guid("0d3c8a55-77e1-4f0a-a1b2-1c2d3e4f5061");
        if (port == 139)
        {
            winner.Data(Side.Client, SmbPayloads.NetBiosSessionRequest("SAMBA", 0x20, "WIN11", 0x00))
                .Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse());
        }
        winner.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(guid))
            .Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(guid, b.Now))
            .Ack(Side.Client);
    }

    /// <summary>Scripts one race: the winner's handshake, then the loser's shape, then the winner's SMB.</summary>
    internal static (TrafficBuilder Builder, TcpConversation Winner, TcpConversation Loser) Race(
        SmbRaceVariant variant, ushort winnerPort, bool loserSynFirst, string client = Windows, string server = Samba,
        ushort winnerClientPort = 50000, ushort loserClientPort = 50001, TrafficBuilder? builder = null)
    {
        ushort loserPort = winnerPort == 445 ? (ushort)139 : (ushort)445;
        TrafficBuilder b = builder ?? new TrafficBuilder();
        TcpConversation winner = b.Tcp(client, winnerClientPort, server, winnerPort, WindowsToSamba());
        TcpConversation loser = b.Tcp(client, loserClientPort, server, loserPort, WindowsToSamba());
        if (loserSynFirst)
        {
            loser.Syn();
            winner.Syn();
        }
        else
        {
            winner.Syn();
            loser.Syn();
        }
        winner.SynAck().Ack(Side.Client);
        switch (variant)
        {
            case SmbRaceVariant.A:
                loser.SynAck().Rst(Side.Client);
                break;
            case SmbRaceVariant.B:
                loser.SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);
                break;
            case SmbRaceVariant.C:
                loser.SynAck().Ack(Side.Client)
                    .Data(Side.Client, SmbPayloads.NetBiosSessionRequest("SAMBA", 0x20, "WIN11", 0x00))
                    .Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse())
                    .Rst(Side.Client, withAck: true);
                break;
            case SmbRaceVariant.D:
                loser.SynAck().Ack(Side.Client).Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
                break;
            case SmbRaceVariant.E:
                break;
            case SmbRaceVariant.F:
                loser.RefuseWithRst();
                break;
        }
        CarrySmb(winner, winnerPort, b);
        if (variant == SmbRaceVariant.E)
            loser.Wait(TimeSpan.FromSeconds(1)).RetransmitLast(Side.Client);
        return (b, winner, loser);
    }

    [Theory]
    [InlineData(SmbRaceVariant.A, 445, false, "ShR", 0.4)]
    [InlineData(SmbRaceVariant.A, 139, true, "ShR", 0.5)]
    [InlineData(SmbRaceVariant.B, 445, true, "ShAR", 0.6)]
    [InlineData(SmbRaceVariant.B, 139, false, "ShAR", 0.5)]
    [InlineData(SmbRaceVariant.C, 445, false, "ShADdR", 0.7)]
    [InlineData(SmbRaceVariant.C, 445, true, "ShADdR", 0.8)]
    [InlineData(SmbRaceVariant.D, 445, false, "ShAFf", 0.5)]
    [InlineData(SmbRaceVariant.D, 139, true, "ShAFf", 0.6)]
    [InlineData(SmbRaceVariant.E, 139, false, "S", null)]
    [InlineData(SmbRaceVariant.E, 139, true, "S", null)]
    [InlineData(SmbRaceVariant.F, 445, false, "Sr", 0.3)]
    [InlineData(SmbRaceVariant.F, 445, true, "Sr", 0.4)]
    public void EveryVariant_IsABenignLoser_PairedWithItsWinner(SmbRaceVariant variant, ushort winnerPort, bool loserSynFirst, string history, double? synToReset)
    {
        (TrafficBuilder b, _, _) = Race(variant, winnerPort, loserSynFirst);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ushort loserPort = winnerPort == 445 ? (ushort)139 : (ushort)445;
        string winnerUid = run.Connection(50000, winnerPort).Uid;
        Assert.Equal(history, run.Connection(50001, loserPort).History);

        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(run.Connection(50001, loserPort).Uid, d.Uid);
        Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence));
        Assert.Equal((RaceKind.Smb139And445, variant), (d.RaceKind, d.RaceVariant));
        Assert.Equal(winnerUid, d.SiblingUid);
        Assert.Equal(1, d.RaceGroupId);
        Assert.Equal(new RaceGaps(loserSynFirst ? -0.1 : 0.1, synToReset), d.RaceGaps);
        Assert.Contains("loser of the 139/445 race, variant " + variant + " (", d.Evidence);
        Assert.Contains("the client kept port " + winnerPort + " (" + winnerUid + "), which carried SMB (first client byte 0x" + (winnerPort == 445 ? "00" : "81"), d.Evidence);
        Assert.Contains("SYN to SYN 0.1 ms (" + (loserSynFirst ? "this SYN first" : "the winner's SYN first") + ")", d.Evidence);

        (ResetParty? by, HostRole? role, ResetStage? stage, string hint) expected = variant switch
        {
            SmbRaceVariant.A => (ResetParty.Originator, HostRole.Client, ResetStage.HandshakeAfterSynAck, "nothing: the handshake never completed, so smbd never accepted the connection"),
            SmbRaceVariant.B => (ResetParty.Originator, HostRole.Client, ResetStage.EstablishedNoData, "receive_smb_raw_talloc failed for client ipv4:192.168.56.21:50001 read error = NT_STATUS_CONNECTION_RESET."),
            SmbRaceVariant.C => (ResetParty.Originator, HostRole.Client, ResetStage.EstablishedWithData, "receive_smb_raw_talloc failed for client ipv4:192.168.56.21:50001 read error = NT_STATUS_CONNECTION_RESET."),
            SmbRaceVariant.D => (null, null, null, "smbd sees an orderly close before any request and logs it only at a high debug level"),
            SmbRaceVariant.E => (null, null, null, "nothing: no SYN-ACK, so smbd never saw the connection"),
            _ => (ResetParty.Responder, HostRole.Server, ResetStage.HandshakeBeforeSynAck, "nothing on the server (nothing listens on port 139)"),
        };
        Assert.Equal((expected.by, expected.role, expected.stage), (d.ResetBy, d.ResetByRole, d.Stage));
        Assert.Contains(expected.hint, d.LogHint);
        Assert.False(run.HasDiagnosis(50000, winnerPort));
    }

    [Fact]
    public void VariantE_CountsTheUnansweredSyns()
    {
        (TrafficBuilder b, _, _) = Race(SmbRaceVariant.E, 139, loserSynFirst: false);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Contains("variant E (2 SYNs never answered)", d.Evidence);
        Assert.DoesNotContain("SYN to RST", d.Evidence);
        Assert.Equal(0, d.ResetTime);
    }

    [Fact]
    public void ManyClientsAndServersAtOnce_EachLoserFindsItsOwnWinner()
    {
        // Two clients each map shares on two servers in the same few milliseconds; the packets interleave.
        var b = new TrafficBuilder();
        const string ClientX = "192.168.56.21", ClientY = "192.168.56.22", ServerP = "192.168.56.10", ServerQ = "192.168.56.11";
        TcpConversation xpWin = b.Tcp(ClientX, 50100, ServerP, 445, WindowsToSamba());
        TcpConversation xpLose = b.Tcp(ClientX, 50101, ServerP, 139, WindowsToSamba());
        TcpConversation xqWin = b.Tcp(ClientX, 50102, ServerQ, 139, WindowsToSamba());
        TcpConversation xqLose = b.Tcp(ClientX, 50103, ServerQ, 445, WindowsToSamba());
        TcpConversation ypWin = b.Tcp(ClientY, 50200, ServerP, 445, WindowsToSamba());
        TcpConversation ypLose = b.Tcp(ClientY, 50201, ServerP, 139, WindowsToSamba());
        TcpConversation yqWin = b.Tcp(ClientY, 50202, ServerQ, 139, WindowsToSamba());
        TcpConversation yqLose = b.Tcp(ClientY, 50203, ServerQ, 445, WindowsToSamba());
        foreach (TcpConversation c in new[] { xqLose, ypWin, xpWin, yqWin, xpLose, ypLose, xqWin, yqLose })
            c.Syn();
        foreach (TcpConversation c in new[] { xpWin, xqWin, ypWin, yqWin })
            c.SynAck().Ack(Side.Client);
        xpLose.SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);   // B
        xqLose.SynAck().Rst(Side.Client);                                  // A
        ypLose.RefuseWithRst();                                            // F
        yqLose.SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);   // B
        CarrySmb(yqWin, 139, b);
        CarrySmb(xpWin, 445, b);
        CarrySmb(ypWin, 445, b);
        CarrySmb(xqWin, 139, b);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        Assert.Equal(4, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d => Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign, DiagnosisConfidence.High), (d.Cause, d.Verdict, d.Confidence)));
        Assert.Equal(run.Connection(50100, 445).Uid, run.For(50101, 139).SiblingUid);
        Assert.Equal(run.Connection(50102, 139).Uid, run.For(50103, 445).SiblingUid);
        Assert.Equal(run.Connection(50200, 445).Uid, run.For(50201, 139).SiblingUid);
        Assert.Equal(run.Connection(50202, 139).Uid, run.For(50203, 445).SiblingUid);
        Assert.Equal(
            [SmbRaceVariant.B, SmbRaceVariant.A, SmbRaceVariant.F, SmbRaceVariant.B],
            new[] { run.For(50101, 139), run.For(50103, 445), run.For(50201, 139), run.For(50203, 445) }.Select(d => d.RaceVariant!.Value));
        Assert.Equal([1, 2, 3, 4], run.Diagnoses.Select(d => d.RaceGroupId!.Value).Order());
        Assert.Equal(4, run.Grouper.RaceGroups);
    }

    [Fact]
    public void BothProbesClosedThenAFreshConnection_IsAThreeMemberGroup()
    {
        // resets.md: the client probes both ports, closes both (D on 445, F on 139), then opens a new 445 connection for SMB.
        var b = new TrafficBuilder();
        TcpConversation probe445 = b.Tcp(Windows, 50010, Samba, 445, WindowsToSamba());
        TcpConversation probe139 = b.Tcp(Windows, 50011, Samba, 139, WindowsToSamba());
        probe445.Syn();
        probe139.Syn();
        probe445.SynAck();
        probe139.RefuseWithRst();
        probe445.Ack(Side.Client).Fin(Side.Client).Fin(Side.Server).Ack(Side.Client);
        b.Advance(TimeSpan.FromMilliseconds(20));
        TcpConversation fresh = b.Tcp(Windows, 50012, Samba, 445, WindowsToSamba());
        fresh.Syn().SynAck().Ack(Side.Client);
        CarrySmb(fresh, 445, b);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        string freshUid = run.Connection(50012, 445).Uid;
        ResetDiagnosis d = run.For(50010, 445);
        ResetDiagnosis f = run.For(50011, 139);
        Assert.Equal(2, run.Diagnoses.Count);
        Assert.Equal((SmbRaceVariant.D, SmbRaceVariant.F), (d.RaceVariant, f.RaceVariant));
        Assert.All(run.Diagnoses, x =>
        {
            Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign, DiagnosisConfidence.Medium), (x.Cause, x.Verdict, x.Confidence));
            Assert.Equal(freshUid, x.SiblingUid);
            Assert.Equal(1, x.RaceGroupId);
        });
        Assert.Equal(new RaceGaps(-20.8, 0.5), d.RaceGaps);
        Assert.Equal(new RaceGaps(-20.7, 0.2), f.RaceGaps);
        // The 445 probe did not lose to the connection that carried SMB: the evidence says it was a probe, closed first.
        Assert.StartsWith("probe of port 445 in the 139/445 race, closed before any SMB, variant D", d.Evidence);
        Assert.Contains("the client then opened a fresh connection " + freshUid + " to port 445 20.3 ms after ending this one, and that connection carried SMB", d.Evidence);
        Assert.Contains("SYN to SYN 20.8 ms (this SYN first); SYN to FIN 0.5 ms", d.Evidence);
        Assert.StartsWith("loser of the 139/445 race, variant F", f.Evidence);
        Assert.Contains("a fresh connection " + freshUid + " to port 445 20.5 ms after ending this one", f.Evidence);
        Assert.Equal(1, run.Grouper.RaceGroups);
    }

    [Fact]
    public void LoserShapeToAnotherServer_DoesNotGroup()
    {
        var b = new TrafficBuilder();
        TcpConversation winner = b.Tcp(Windows, 50020, Samba, 445, WindowsToSamba());
        TcpConversation other = b.Tcp(Windows, 50021, "192.168.56.99", 139, WindowsToSamba());
        winner.Syn();
        other.Syn();
        winner.SynAck().Ack(Side.Client);
        other.SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);
        CarrySmb(winner, 445, b);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(run.Connection(50021, 139).Uid, d.Uid);
        Assert.Equal((ResetCause.SmbRaceLoser, Verdict.Benign, DiagnosisConfidence.Low), (d.Cause, d.Verdict, d.Confidence));
        Assert.Null(d.RaceGroupId);
        Assert.Null(d.SiblingUid);
        Assert.Null(d.RaceGaps);
        Assert.Equal(
            "client 192.168.56.21 gave up port 139 0.5 ms after its SYN (variant B of the 139/445 race: handshake, then the client's RST before any data); " +
            "no sibling connection to port 445 was seen (still open, outside the capture, or filtered out)",
            d.Evidence);
        Assert.Equal(0, run.Grouper.RaceGroups);
    }

    [Fact]
    public void SynsFurtherApartThanTheWindow_DoNotGroup_UnlessTheWindowIsWidened()
    {
        var b = new TrafficBuilder();
        TcpConversation loser = b.Tcp(Windows, 50030, Samba, 139, WindowsToSamba());
        loser.Syn().SynAck().Ack(Side.Client).Rst(Side.Client, withAck: true);
        b.Advance(TimeSpan.FromSeconds(3));
        TcpConversation winner = b.Tcp(Windows, 50031, Samba, 445, WindowsToSamba());
        winner.Syn().SynAck().Ack(Side.Client);
        CarrySmb(winner, 445, b);

        ResetDiagnosis apart = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low), (apart.Cause, apart.Confidence));
        Assert.Null(apart.RaceGroupId);

        DiagnosisRun wide = DiagnosisHarness.Run(b, new DiagnosisOptions { RaceWindow = TimeSpan.FromSeconds(5) });
        ResetDiagnosis grouped = Assert.Single(wide.Diagnoses);
        // The winner started after the loser had closed: grouped as a fresh connection, which is less certain than a race.
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Medium), (grouped.Cause, grouped.Confidence));
        Assert.Equal(wide.Connection(50031, 445).Uid, grouped.SiblingUid);
        Assert.Equal(-3000.4, grouped.RaceGaps!.Value.SynToSynMilliseconds);
    }

    [Fact]
    public void ServerSideResetOn139_IsNeverTheRace()
    {
        // smbd (or a middlebox) resets the 139 connection after the handshake while 445 carries SMB: an abort, not a loser.
        var b = new TrafficBuilder();
        TcpConversation winner = b.Tcp(Windows, 50040, Samba, 445, WindowsToSamba());
        TcpConversation aborted = b.Tcp(Windows, 50041, Samba, 139, WindowsToSamba());
        winner.Syn();
        aborted.Syn();
        winner.SynAck().Ack(Side.Client);
        aborted.SynAck().Ack(Side.Client).Rst(Side.Server, withAck: true);
        CarrySmb(winner, 445, b);
        DiagnosisRun run = DiagnosisHarness.Run(b);

        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(run.Connection(50041, 139).Uid, d.Uid);
        Assert.Equal((ResetCause.AbortiveClose, Verdict.Benign), (d.Cause, d.Verdict));
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(ResetStage.EstablishedNoData, d.Stage);
        Assert.Null(d.RaceGroupId);
        Assert.Null(d.RaceVariant);
        Assert.StartsWith("client 192.168.56.21: Connection reset by peer", d.LogHint);
        Assert.Equal(0, run.Grouper.RaceGroups);
    }

    [Fact]
    public void ServerSideResetOfTheSmbSession_IsDiagnosedOnItsOwn_WithTheSambaHintForTheClient()
    {
        // The winner itself ends with a client RST after SMB: it carried on, so it is no loser; smbd logs the reset after negotiate.
        var b = new TrafficBuilder();
        TcpConversation session = b.Tcp(Windows, 50050, Samba, 445, WindowsToSamba()).Handshake();
        CarrySmb(session, 445, b);
        session.Wait(TimeSpan.FromSeconds(5)).Rst(Side.Client, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.High), (d.Cause, d.Confidence));
        Assert.Null(d.RaceGroupId);
        Assert.Contains("4.x after negotiate (level 3): \"Server exit (NT_STATUS_CONNECTION_RESET)\"", d.LogHint);
        Assert.Contains("\"read_smb_length_return_keepalive failed for client 192.168.56.21 read error = NT_STATUS_CONNECTION_RESET.\"", d.LogHint);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ScannerFanningOutOverPorts_IsAScan_NotARace(bool nearTheEndOfTheTimestampRange)
    {
        // One source, SYN to six ports of one host within milliseconds; open ports get its RST, closed ones REJ.
        // Near the end of the range (year 2262, where readers clamp), the probes are remembered until a time past it.
        var b = nearTheEndOfTheTimestampRange ? new TrafficBuilder(long.MaxValue - 3_000_000_000L) : new TrafficBuilder();
        const string Scanner = "203.0.113.66";
        ushort[] open = [139, 445, 22, 3389];
        ushort[] closed = [23, 5900];
        ushort sourcePort = 61000;
        foreach (ushort port in open)
            b.Tcp(Scanner, sourcePort++, Samba, port, new TcpConversationOptions { ClientTtl = 52, Gap = Step }).Syn().SynAck().Rst(Side.Client);
        foreach (ushort port in closed)
            b.Tcp(Scanner, sourcePort++, Samba, port, new TcpConversationOptions { ClientTtl = 52, Gap = Step }).Syn().RefuseWithRst();
        DiagnosisRun run = DiagnosisHarness.Run(b);

        Assert.Equal(6, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d =>
        {
            Assert.Equal((ResetCause.ScanProbe, Verdict.Suspicious, DiagnosisConfidence.Medium), (d.Cause, d.Verdict, d.Confidence));
            Assert.Null(d.RaceGroupId);
            Assert.StartsWith("one of 6 probes from 203.0.113.66 within 1.4 ms to 6 ports on 1 host (scan thresholds: 5 ports or 5 hosts in 1 s), no client data; this probe to port ", d.Evidence);
        });
        Assert.EndsWith("this probe to port 445: SYN-ACK answered by the prober's bare RST (port open, half-open scan); finding F1", run.For(61001, 445).Evidence);
        Assert.EndsWith("this probe to port 5900: refused with RST,ACK (port closed); finding F1", run.For(61005, 5900).Evidence);
        HostFinding scan = Assert.Single(run.Grouper.Findings);
        Assert.Equal((FindingKind.PortScan, 6L, 6, 4L, 6L), (scan.Kind, scan.Connections, scan.DistinctPorts, scan.Answered, scan.Resets));
        Assert.All(run.Diagnoses, d => Assert.Equal(scan.Id, d.FindingId));
        Assert.Equal((ResetParty.Responder, ResetStage.HandshakeBeforeSynAck), (run.For(61005, 5900).ResetBy, run.For(61005, 5900).Stage));
        Assert.Equal(0, run.Grouper.RaceGroups);
    }

    [Fact]
    public void HalfOpenProbeOf445_IsARaceLoserWithASibling_AndAScanProbeWhenFannedOutOverHosts()
    {
        // The race loser: variant A on 445 beside a 139 session.
        (TrafficBuilder race, _, _) = Race(SmbRaceVariant.A, 139, loserSynFirst: false);
        Assert.Equal(ResetCause.SmbRaceLoser, Assert.Single(DiagnosisHarness.Run(race).Diagnoses).Cause);

        // The same packets to 445 of six hosts in a few milliseconds, nothing carried anywhere: a sweep.
        var b = new TrafficBuilder();
        for (int host = 1; host <= 6; host++)
            b.Tcp(Windows, (ushort)(52000 + host), "192.168.57." + host, 445, WindowsToSamba()).Syn().SynAck().Rst(Side.Client);
        DiagnosisRun sweep = DiagnosisHarness.Run(b);
        Assert.Equal(6, sweep.Diagnoses.Count);
        Assert.All(sweep.Diagnoses, d => Assert.Equal((ResetCause.ScanProbe, Verdict.Suspicious), (d.Cause, d.Verdict)));
        Assert.Contains("to 1 port on 6 hosts", sweep.Diagnoses[0].Evidence);

        // Five hosts is at the threshold; with the threshold raised it is six lone race-loser shapes again.
        DiagnosisRun raised = DiagnosisHarness.Run(b, new DiagnosisOptions { ScanFanOutHosts = 7 });
        Assert.All(raised.Diagnoses, d => Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low), (d.Cause, d.Confidence)));
    }
}
