using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>Who is client and server, and what came before the RST, when Zeek flipped the roles on the way.</summary>
public class ConnectionFactsTests
{
    [Theory]
    [InlineData("ShADadR", "ShADadR")]
    [InlineData("^r", "r")]
    [InlineData("Hs^ADadFf", "hSADadFf")]
    [InlineData("^hADdR", "hADdR")]
    [InlineData("Hs^ADa^dR", "HsadAdR")]
    public void History_IsReadInTheFinalRoles(string history, string normalized) =>
        Assert.Equal(HistoryLetters.Read(normalized.AsSpan()), HistoryLetters.Read(history.AsSpan()));

    [Fact]
    public void History_LettersBeforeTheFirstRstAndRstLettersPerSide()
    {
        // "Hs^ADa^dR" in the final roles is "HsadAdR": the originator sent H, A (after a flip back) and R.
        HistoryLetters letters = HistoryLetters.Read("Hs^ADa^dR".AsSpan());
        Assert.True(letters.Has(true, 'H') && letters.Has(false, 'S') && letters.Has(true, 'A') && letters.Has(false, 'D'));
        Assert.False(letters.Has(true, 'S') || letters.Has(true, 'D'));
        Assert.True(letters.HasBeforeRst(false, 'A'));
        Assert.Equal((1, 0), (letters.OriginatorRstLetters, letters.ResponderRstLetters));

        HistoryLetters rstFirst = HistoryLetters.Read("SrA".AsSpan());
        Assert.True(rstFirst.Has(true, 'A') && !rstFirst.HasBeforeRst(true, 'A') && rstFirst.HasBeforeRst(true, 'S'));
        Assert.Equal((0, 1), (rstFirst.OriginatorRstLetters, rstFirst.ResponderRstLetters));
    }

    [Fact]
    public void SynAckCapturedBeforeTheSyn_ClientIsStillTheSynSender()
    {
        // core.connection_flipped: the SYN-ACK arrives first, Zeek flips; then data and a server abort.
        var b = new TrafficBuilder();
        TcpConversation conv = b.Tcp("10.0.0.1", 40035, "10.0.0.2", 41000);
        conv.Send(Side.Server, TcpFlags.Syn | TcpFlags.Ack, default, seq: conv.ServerIsn, ack: conv.ClientIsn + 1);
        conv.Send(Side.Client, TcpFlags.Syn, default, seq: conv.ClientIsn);
        conv.Send(Side.Client, TcpFlags.Ack, default, seq: conv.ClientIsn + 1, ack: conv.ServerIsn + 1);
        conv.Send(Side.Client, TcpFlags.Ack | TcpFlags.Psh, new byte[10], seq: conv.ClientIsn + 1, ack: conv.ServerIsn + 1);
        conv.Send(Side.Server, TcpFlags.Ack | TcpFlags.Psh, new byte[20], seq: conv.ServerIsn + 1, ack: conv.ClientIsn + 11);
        conv.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, seq: conv.ServerIsn + 21, ack: conv.ClientIsn + 11);
        DiagnosisRun run = DiagnosisHarness.Run(b, trackerOptions: new Core.Connections.ConnectionTrackerOptions { LikelyServerPorts = [] });

        Assert.Equal("Hs^ADdr", run.Connections[0].History);
        ResetDiagnosis d = Assert.Single(run.Diagnoses);
        Assert.Equal(ResetParty.Originator, d.ClientParty);
        Assert.Equal((ushort)40035, d.Client.Port);
        Assert.Equal((ResetParty.Responder, HostRole.Server), (d.ResetBy, d.ResetByRole));
        Assert.Equal(ResetStage.EstablishedWithData, d.Stage);
        Assert.Equal((ResetCause.AbortiveClose, DiagnosisConfidence.High), (d.Cause, d.Confidence));
    }

    [Fact]
    public void SambaHint_UsesTheIPv6TsocketForm()
    {
        var b = new TrafficBuilder();
        b.Tcp("2001:db8::21", 50001, "2001:db8::10", 445).Handshake().Rst(Side.Client, withAck: true);
        ResetDiagnosis d = Assert.Single(DiagnosisHarness.Run(b).Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, DiagnosisConfidence.Low, SmbRaceVariant.B), (d.Cause, d.Confidence, ConnectionFactsVariant(d)));
        Assert.Contains("receive_smb_raw_talloc failed for client ipv6:2001:db8::21:50001 read error = NT_STATUS_CONNECTION_RESET.", d.LogHint);
        Assert.Contains("read_smb_length_return_keepalive failed for client 2001:db8::21 read error", d.LogHint);
    }

    private static SmbRaceVariant? ConnectionFactsVariant(ResetDiagnosis d) => new ConnectionFacts(d.Connection).SmbVariant;
}
