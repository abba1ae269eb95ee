using System.Text;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>One committed sample capture and the script that makes it.</summary>
public sealed record SampleCapture(string FileName, string Summary, Func<TrafficBuilder> Build);

/// <summary>
/// The scripts behind the files in the repository's captures/ folder (see captures/README.md).
/// Each method returns a filled builder; the files are its classic pcap output, microseconds.
/// Addresses come from private and documentation ranges (RFC 1918, RFC 5737, RFC 3849).
/// </summary>
public static class SampleCaptures
{
    public static IReadOnlyList<SampleCapture> All { get; } =
    [
        new("smb-race-139-445.pcap", "Windows clients racing 445 against 139 to Samba: variant B (445 wins) and variant A (139 wins)", SmbRace139And445),
        new("refused.pcap", "SYN to a closed port refused with RST,ACK three times, then a normal connection", Refused),
        new("server-abort.pcap", "Established HTTP stream aborted by the server with RST,ACK and no FIN", ServerAbort),
        new("normal-session.pcap", "Clean HTTP sessions over IPv4 and IPv6 closed with FIN/FIN/ACK", NormalSession),
    ];

    /// <summary>The explain sample, captures/smb-office.pcap and the log.smbd its server wrote (smb-office.log.smbd), one hour ahead of UTC.</summary>
    public const string OfficeCaptureFile = "smb-office.pcap", OfficeLogFile = "smb-office.log.smbd";

    /// <summary>Thirty Windows clients of a Samba server (see <see cref="SambaOfficeDay"/>); call Build, then read Log.</summary>
    public static SambaOfficeDay SmbOffice() => new(clients: 30, TimeSpan.FromHours(1), seed: 11);

    /// <summary>
    /// Two Windows clients (TTL 128, no TCP timestamps, window scale 8, as Windows 10/11 connect)
    /// open 445 and 139 to a Samba server (TTL 64) at nearly the same instant; see the race
    /// variants in resets.md.
    /// Client 192.168.56.21: 445 wins and negotiates SMB2; the 139 loser completes its handshake
    /// and is reset by the client with RST,ACK (variant B, Zeek history ShAR).
    /// Client 192.168.56.37, 1.5 s later: 139 answers first, carries a NetBIOS session request
    /// (0x81), a positive response (0x82) and SMB2; the 445 loser's SYN-ACK is answered with a bare
    /// RST at seq = ISN+1 (variant A, ShR).
    /// </summary>
    public static TrafficBuilder SmbRace139And445()
    {
        const string Server = "192.168.56.10";
        var builder = new TrafficBuilder(StartOf(2024, 5, 14, 9, 30, 12, 104_221));
        var serverGuid = new Guid("6a1f6f0e-2c53-4b8e-9d6e-5a4d2b8c1e01");

        // Variant B: 445 wins.
        const string ClientA = "192.168.56.21";
        TcpConversation a445 = builder.Tcp(ClientA, 50112, Server, 445, WindowsToSamba(clientIpId: 0x4A10, serverIpId: 0x9C31));
        TcpConversation a139 = builder.Tcp(ClientA, 50113, Server, 139, WindowsToSamba(clientIpId: 0x4A40, serverIpId: 0x2E07));
        a445.Syn().Wait(Micros(38));
        a139.Syn().Wait(Micros(261));
        a445.SynAck().Wait(Micros(17));
        a139.SynAck().Wait(Micros(44));
        a445.Ack(Side.Client).Wait(Micros(9));
        a139.Ack(Side.Client).Wait(Micros(112));
        a445.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(new Guid("0d3c8a55-77e1-4f0a-a1b2-1c2d3e4f5061"))).Wait(Micros(31));
        a139.Rst(Side.Client, withAck: true).Wait(Micros(655));
        a445.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(serverGuid, builder.Now)).Wait(Micros(203));
        a445.Ack(Side.Client);

        builder.Advance(TimeSpan.FromMilliseconds(1500));

        // Variant A: 139 wins.
        const string ClientB = "192.168.56.37";
        TcpConversation b139 = builder.Tcp(ClientB, 49730, Server, 139, WindowsToSamba(clientIpId: 0x1D02, serverIpId: 0x5B90));
        TcpConversation b445 = builder.Tcp(ClientB, 49731, Server, 445, WindowsToSamba(clientIpId: 0x1D30, serverIpId: 0x70C4));
        b139.Syn().Wait(Micros(27));
        b445.Syn().Wait(Micros(233));
        b139.SynAck().Wait(Micros(48));
        b139.Ack(Side.Client).Wait(Micros(402));
        b445.SynAck().Wait(Micros(35));
        b445.Rst(Side.Client).Wait(Micros(96));
        b139.Data(Side.Client, SmbPayloads.NetBiosSessionRequest("SAMBA", 0x20, "WIN11-B", 0x00)).Wait(Micros(287));
        b139.Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse()).Wait(Micros(104));
        b139.Data(Side.Client, SmbPayloads.Smb2NegotiateRequest(new Guid("9b7e2f10-3a44-4c6d-8e5f-60718293a4b5"))).Wait(Micros(612));
        b139.Data(Side.Server, SmbPayloads.Smb2NegotiateResponse(serverGuid, builder.Now)).Wait(Micros(198));
        b139.Ack(Side.Client);
        return builder;
    }

    /// <summary>
    /// A Windows client's connect to POP3 (110) on a Linux host with nothing listening: each SYN is
    /// answered by RST,ACK (seq 0, ack ISN+1) and Windows tries twice more, 0.5 s apart, with the same
    /// port and ISN: three REJ connections as in Zeek's pop3.pcap (history Sr). Then the same client
    /// reaches IMAP (143) on that host and logs out normally, for contrast.
    /// </summary>
    public static TrafficBuilder Refused()
    {
        const string Client = "10.1.1.50";
        const string Server = "10.1.1.25";
        var builder = new TrafficBuilder(StartOf(2024, 5, 14, 11, 2, 45, 310_582));

        TcpConversation pop3 = builder.Tcp(Client, 51800, Server, 110, WindowsToLinux(clientIpId: 0x6E21, serverIpId: 0));
        pop3.Syn().Wait(Micros(342));
        pop3.RefuseWithRst().Wait(Micros(500_118));
        pop3.RetransmitLast(Side.Client).Wait(Micros(337));
        pop3.RefuseWithRst().Wait(Micros(500_094));
        pop3.RetransmitLast(Side.Client).Wait(Micros(351));
        pop3.RefuseWithRst();

        builder.Advance(TimeSpan.FromMilliseconds(1200));

        TcpConversation imap = builder.Tcp(Client, 51802, Server, 143, WindowsToLinux(clientIpId: 0x6E40, serverIpId: 0xB3A2));
        imap.Syn().Wait(Micros(329));
        imap.SynAck().Wait(Micros(58));
        imap.Ack(Side.Client).Wait(Micros(1_870));
        imap.Data(Side.Server, Ascii("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.\r\n")).Wait(Micros(41_200));
        imap.Data(Side.Client, Ascii("a001 LOGOUT\r\n")).Wait(Micros(402));
        imap.Data(Side.Server, Ascii("* BYE Logging out\r\na001 OK Logout completed (0.001 + 0.000 secs).\r\n")).Wait(Micros(25));
        imap.Fin(Side.Server).Wait(Micros(318));
        imap.Ack(Side.Client).Wait(Micros(77));
        imap.Fin(Side.Client).Wait(Micros(301));
        imap.Ack(Side.Server);
        return builder;
    }

    /// <summary>
    /// A Linux client follows a server-sent event stream from a Linux server on 8080; after two events
    /// and 2.5 s of quiet the server application aborts the connection (SO_LINGER 0): RST,ACK at its
    /// SND.NXT, no FIN before it, nothing after it (Zeek: history ShADadr, conn_state RSTR).
    /// </summary>
    public static TrafficBuilder ServerAbort()
    {
        const string Client = "172.20.0.15";
        const string Server = "172.20.0.2";
        var builder = new TrafficBuilder(StartOf(2024, 5, 14, 14, 47, 3, 902_114));
        var options = new TcpConversationOptions
        {
            ClientTtl = 64,
            ServerTtl = 64,
            ClientIpId = 0xC81B,
            ServerIpId = 0x3F60,
            Gap = TimeSpan.Zero,
        };
        TcpConversation http = builder.Tcp(Client, 41822, Server, 8080, options);
        http.Syn().Wait(Micros(121));
        http.SynAck().Wait(Micros(36));
        http.Ack(Side.Client).Wait(Micros(88));
        http.Data(Side.Client, Ascii("GET /events HTTP/1.1\r\nHost: 172.20.0.2:8080\r\nAccept: text/event-stream\r\nUser-Agent: curl/8.5.0\r\n\r\n")).Wait(Micros(54));
        http.Ack(Side.Server).Wait(Micros(1_320));
        http.Data(Side.Server, Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")).Wait(Micros(45));
        http.Ack(Side.Client).Wait(Micros(998_410));
        http.Data(Side.Server, Ascii("e\r\ndata: tick 1\n\n\r\n")).Wait(Micros(43));
        http.Ack(Side.Client).Wait(Micros(999_870));
        http.Data(Side.Server, Ascii("e\r\ndata: tick 2\n\n\r\n")).Wait(Micros(47));
        http.Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(2500));
        http.Rst(Side.Server, withAck: true);
        return builder;
    }

    /// <summary>
    /// Two clean HTTP/1.1 exchanges between Linux hosts: over IPv4 the server closes first
    /// ("Connection: close"), over IPv6 the client does. Each: handshake, request, a response in
    /// two segments, FIN, FIN, last ACK (Zeek: SF).
    /// </summary>
    public static TrafficBuilder NormalSession()
    {
        var builder = new TrafficBuilder(StartOf(2024, 5, 14, 16, 5, 30, 17_040));

        TcpConversation v4 = builder.Tcp("192.0.2.10", 51514, "198.51.100.20", 80, LinuxToLinux(clientIpId: 0x0BF1, serverIpId: 0xE203, mss: 1460));
        HttpExchange(v4, "198.51.100.20", closeFromServer: true, mss: 1460);

        builder.Advance(TimeSpan.FromMilliseconds(750));

        TcpConversation v6 = builder.Tcp("2001:db8:10::10", 51600, "2001:db8:20::20", 80, LinuxToLinux(clientIpId: 0, serverIpId: 0, mss: 1440));
        HttpExchange(v6, "[2001:db8:20::20]", closeFromServer: false, mss: 1440);
        return builder;
    }

    private static void HttpExchange(TcpConversation http, string host, bool closeFromServer, int mss)
    {
        // Segments carry MSS minus the 12-byte timestamp option, as Linux fills them.
        int segmentSize = mss - 12;
        byte[] body = HttpBody(2000);
        byte[] response = Ascii(
            "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: " + body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n"
            + (closeFromServer ? "Connection: close\r\n" : "") + "\r\n").Concat(body).ToArray();

        http.Syn().Wait(Micros(612));
        http.SynAck().Wait(Micros(31));
        http.Ack(Side.Client).Wait(Micros(74));
        http.Data(Side.Client, Ascii("GET /status.txt HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
            + (closeFromServer ? "Connection: close\r\n" : "") + "\r\n")).Wait(Micros(640));
        http.Ack(Side.Server).Wait(Micros(185));
        http.Data(Side.Server, response.AsSpan(0, segmentSize)).Wait(Micros(6));
        http.Data(Side.Server, response.AsSpan(segmentSize)).Wait(Micros(655));
        http.Ack(Side.Client).Wait(Micros(1_210));
        Side first = closeFromServer ? Side.Server : Side.Client;
        Side second = closeFromServer ? Side.Client : Side.Server;
        http.Fin(first).Wait(Micros(580));
        http.Fin(second).Wait(Micros(603));
        http.Ack(first);
    }

    private static byte[] HttpBody(int length)
    {
        var text = new StringBuilder(length + 64);
        for (int line = 1; text.Length < length; line++)
        {
            text.Append("line ").Append(line.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))
                .Append(": all services nominal, nothing to report\n");
        }
        return Ascii(text.ToString(0, length));
    }

    private static TcpConversationOptions WindowsToSamba(ushort clientIpId, ushort serverIpId) => new()
    {
        ClientTtl = 128,
        ServerTtl = 64,
        ClientIpId = clientIpId,
        ServerIpId = serverIpId,
        ClientWindow = 64240,
        ServerWindow = 64240,
        WindowScale = 8,
        Timestamps = false,
        Gap = TimeSpan.Zero,
    };

    private static TcpConversationOptions WindowsToLinux(ushort clientIpId, ushort serverIpId) => WindowsToSamba(clientIpId, serverIpId);

    private static TcpConversationOptions LinuxToLinux(ushort clientIpId, ushort serverIpId, ushort mss) => new()
    {
        ClientTtl = 64,
        ServerTtl = 64,
        ClientIpId = clientIpId,
        ServerIpId = serverIpId,
        ClientWindow = 65160,
        ServerWindow = 65160,
        Mss = mss,
        WindowScale = 7,
        Timestamps = true,
        Gap = TimeSpan.Zero,
    };

    private static TimeSpan Micros(long microseconds) => TimeSpan.FromTicks(microseconds * 10);

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static long StartOf(int year, int month, int day, int hour, int minute, int second, int microsecond) =>
        new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L + microsecond * 1000L;
}
