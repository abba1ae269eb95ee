using System.Globalization;
using System.Text;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>What smbd logged about one connection, for checking a match: the client endpoint and what the line is about.</summary>
public sealed record SambaLogExpectation(int LineNumber, string ClientAddress, ushort ClientPort, SambaLineKind Kind);

public enum SambaLineKind
{
    /// <summary>The discarded connection of a 139/445 race that smbd had accepted (variants B and C): benign.</summary>
    RaceLoser,
    /// <summary>A client that reset its established SMB session.</summary>
    ClientAbort,
    /// <summary>A client that never reached this server: the line must match nothing.</summary>
    NotInCapture,
    /// <summary>A line written after the capture ended: it must match nothing.</summary>
    AfterCapture,
}

/// <summary>
/// A Samba server's morning: Windows clients race 445 against 139 (resets.md variants A, B and C),
/// some abort an established session, some close normally; and smbd's log (Samba 4.x, debug level 1,
/// hires timestamps, local time) of every connection it accepted and then lost to a client's RST,
/// with a few lines about clients and times the capture does not hold. The log's clock is
/// <paramref name="utcOffset"/> ahead of UTC.
/// </summary>
public sealed class SambaOfficeDay(int clients, TimeSpan utcOffset, ulong seed = 7)
{
    private const string Server = "10.20.0.10";
    private readonly GeneratorRandom _random = new(seed);
    private readonly StringBuilder _log = new();
    private readonly List<SambaLogExpectation> _expected = [];
    private int _logLines;

    public IReadOnlyList<SambaLogExpectation> Expected => _expected;

    public string Log => _log.ToString();

    public TrafficBuilder Build()
    {
        var builder = new TrafficBuilder(new DateTimeOffset(2024, 3, 11, 7, 58, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000);
        for (int i = 0; i < clients; i++)
        {
            string client = $"10.20.{1 + (i / 250)}.{1 + (i % 250)}";
            ushort port = (ushort)(49_200 + _random.Next(15_000));
            switch (i % 10)
            {
                case < 6: RaceVariantB(builder, client, port); break;
                case 6: RaceVariantC(builder, client, port, i); break;
                case 7: RaceVariantA(builder, client, port); break;
                case 8: ClientAbort(builder, client, port); break;
                default: NormalSession(builder, client, port); break;
            }
            builder.Advance(TimeSpan.FromTicks(_random.Micros(20_000, 200_000) / 100));
            if (i == clients / 2)
            {
                // A client of another site that this capture point never sees.
                for (int k = 0; k < 3; k++)
                    Entry(builder.Now + (k * 1_000_000), "10.99.0.1", (ushort)(50_000 + k), SambaLineKind.NotInCapture);
            }
        }
        long end = builder.Now;
        Entry(end + 3_600_000_000_000, "10.20.1.1", 60_001, SambaLineKind.AfterCapture);
        Entry(end + 7_200_000_000_000, "10.20.1.2", 60_002, SambaLineKind.AfterCapture);
        return builder;
    }

    private static TcpConversationOptions Windows() => new()
    {
        ClientTtl = 128,
        ServerTtl = 64,
        ClientWindow = 64240,
        ServerWindow = 64240,
        WindowScale = 8,
        Timestamps = false,
        Gap = TimeSpan.Zero,
    };

    private TimeSpan Jitter(int min, int max) => TimeSpan.FromTicks(_random.Micros(min, max) / 100);

    /// <summary>Both SYNs, both SYN-ACKs and the client's ACKs: the two connections of a race that both completed their handshake.</summary>
    private (TcpConversation Smb, TcpConversation Nbss) BothHandshakes(TrafficBuilder b, string client, ushort port, int ackGapMin, int ackGapMax)
    {
        TcpConversation smb = b.Tcp(client, port, Server, 445, Windows());
        TcpConversation nbss = b.Tcp(client, (ushort)(port + 1), Server, 139, Windows());
        smb.Syn().Wait(Jitter(10, 80));
        nbss.Syn().Wait(Jitter(100, 400));
        smb.SynAck().Wait(Jitter(10, 40));
        nbss.SynAck().Wait(Jitter(10, 60));
        smb.Ack(Side.Client).Wait(Jitter(5, 20));
        nbss.Ack(Side.Client).Wait(Jitter(ackGapMin, ackGapMax));
        return (smb, nbss);
    }

    /// <summary>445 negotiates; the client resets the 139 loser, which smbd had accepted and logs; then 445 carries on.</summary>
    private void ResetLoserAndNegotiate(TrafficBuilder b, TcpConversation smb, TcpConversation nbss, string client, ushort nbssPort)
    {
        smb.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(Guid.Empty)).Wait(Jitter(20, 60));
        long reset = b.Now;
        nbss.Rst(Side.Client, withAck: true).Wait(Jitter(300, 900));
        Entry(reset, client, nbssPort, SambaLineKind.RaceLoser);
        smb.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(Guid.Empty, b.Now)).Wait(Jitter(100, 300));
        smb.Ack(Side.Client);
    }

    /// <summary>445 wins; the 139 loser completes its handshake and is reset: smbd had accepted it and logs the failed read.</summary>
    private void RaceVariantB(TrafficBuilder b, string client, ushort port)
    {
        (TcpConversation smb, TcpConversation nbss) = BothHandshakes(b, client, port, 50, 200);
        ResetLoserAndNegotiate(b, smb, nbss, client, (ushort)(port + 1));
    }

    /// <summary>445 wins; the 139 loser sent its NetBIOS session request before the client reset it.</summary>
    private void RaceVariantC(TrafficBuilder b, string client, ushort port, int index)
    {
        (TcpConversation smb, TcpConversation nbss) = BothHandshakes(b, client, port, 20, 60);
        nbss.Data(Side.Client, SmbPayloads.NetBiosSessionRequest("FILESRV", 0x20, $"WS-{index:D4}", 0x00)).Wait(Jitter(50, 150));
        nbss.Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse()).Wait(Jitter(20, 80));
        ResetLoserAndNegotiate(b, smb, nbss, client, (ushort)(port + 1));
    }

    /// <summary>445 wins before 139 is answered; the 139 loser's SYN-ACK gets a bare RST: smbd never accepted it and logs nothing.</summary>
    private void RaceVariantA(TrafficBuilder b, string client, ushort port)
    {
        TcpConversation smb = b.Tcp(client, port, Server, 445, Windows());
        TcpConversation nbss = b.Tcp(client, (ushort)(port + 1), Server, 139, Windows());
        smb.Syn().Wait(Jitter(10, 80));
        nbss.Syn().Wait(Jitter(100, 400));
        smb.SynAck().Wait(Jitter(10, 40));
        smb.Ack(Side.Client).Wait(Jitter(200, 400));
        nbss.SynAck().Wait(Jitter(20, 60));
        nbss.Rst(Side.Client).Wait(Jitter(50, 200));
        smb.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(Guid.Empty)).Wait(Jitter(100, 300));
        smb.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(Guid.Empty, b.Now)).Wait(Jitter(100, 300));
        smb.Ack(Side.Client);
    }

    /// <summary>A session that negotiates, then the client resets it while the server's answer is unread.</summary>
    private void ClientAbort(TrafficBuilder b, string client, ushort port)
    {
        TcpConversation smb = b.Tcp(client, port, Server, 445, Windows());
        smb.Handshake().Wait(Jitter(100, 300));
        smb.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(Guid.Empty)).Wait(Jitter(100, 300));
        smb.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(Guid.Empty, b.Now)).Wait(Jitter(100, 300));
        smb.Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(_random.Between(200, 2_000)));
        smb.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(Guid.Empty)).Wait(Jitter(100, 300));
        smb.Data(Side.Server, 1_400).Wait(Jitter(20, 60));
        long reset = b.Now;
        smb.Rst(Side.Client, withAck: true);
        Entry(reset, client, port, SambaLineKind.ClientAbort);
    }

    private void NormalSession(TrafficBuilder b, string client, ushort port)
    {
        TcpConversation smb = b.Tcp(client, port, Server, 445, Windows());
        smb.Handshake().Wait(Jitter(100, 300));
        smb.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(Guid.Empty)).Wait(Jitter(100, 300));
        smb.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(Guid.Empty, b.Now)).Wait(Jitter(100, 300));
        smb.Ack(Side.Client).Wait(Jitter(1_000, 5_000));
        smb.Fin(Side.Client).Wait(Jitter(50, 200));
        smb.Fin(Side.Server).Wait(Jitter(50, 200));
        smb.Ack(Side.Client);
        NoiseEntry(b.Now, client, port);
    }

    /// <summary>smbd's two-line entry for a failed read, a few hundred microseconds after the RST, in local time.</summary>
    private void Entry(long utcNanos, string client, ushort port, SambaLineKind kind)
    {
        DateTime local = LocalTime(utcNanos + _random.Micros(100, 900));
        int line = ++_logLines;
        _log.Append(CultureInfo.InvariantCulture, $"[{local:yyyy'/'MM'/'dd HH:mm:ss.ffffff},  1] ../../source3/smbd/process.c:2476(receive_smb_raw_talloc)\n");
        _log.Append(CultureInfo.InvariantCulture, $"  receive_smb_raw_talloc failed for client ipv4:{client}:{port} read error = NT_STATUS_CONNECTION_RESET.\n");
        _logLines++;
        _expected.Add(new SambaLogExpectation(line, client, port, kind));
    }

    /// <summary>An entry that is not about a reset, as smbd writes at level 1 when a client disconnects normally.</summary>
    private void NoiseEntry(long utcNanos, string client, ushort port)
    {
        DateTime local = LocalTime(utcNanos);
        _log.Append(CultureInfo.InvariantCulture, $"[{local:yyyy'/'MM'/'dd HH:mm:ss.ffffff},  1] ../../source3/smbd/service.c:1125(close_cnum)\n");
        _log.Append(CultureInfo.InvariantCulture, $"  ws (ipv4:{client}:{port}) closed connection to service share\n");
        _logLines += 2;
    }

    private DateTime LocalTime(long utcNanos) => new(DateTime.UnixEpoch.Ticks + (utcNanos / 100) + utcOffset.Ticks, DateTimeKind.Unspecified);
}
