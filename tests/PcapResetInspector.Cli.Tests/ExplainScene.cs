using System.Globalization;
using System.Text.Json;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// One small capture with a reset for each kind of server `explain` reads logs of, the times of those
/// RSTs, and the log lines those servers write about them in local time (UTC+01:00), in a scratch folder.
/// </summary>
internal sealed class ExplainScene : IDisposable
{
    public static readonly TimeSpan LocalOffset = TimeSpan.FromHours(1);
    public const string SambaServer = "10.20.0.10";
    public const string WebServer = "10.0.0.2";

    private readonly string _folder = Directory.CreateTempSubdirectory("pri-explain-").FullName;

    public ExplainScene()
    {
        var b = new TrafficBuilder(new DateTimeOffset(2024, 3, 11, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000);
        // 10.20.1.7 resets its SMB session on 445.
        TcpConversation smb = b.Tcp("10.20.1.7", 50412, SambaServer, 445);
        smb.Handshake().Data(Side.Client, 100).Data(Side.Server, 200).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(300));
        SambaReset = Reset(b, smb, Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        // 10.20.1.8, NetBIOS name WS-0042, opens a session on 139 and resets it.
        TcpConversation nbss = b.Tcp("10.20.1.8", 50500, SambaServer, 139);
        nbss.Handshake().Data(Side.Client, SmbPayloads.NetBiosSessionRequest("FILESRV", 0x20, "WS-0042", 0x00))
            .Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse()).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(300));
        NetBiosReset = Reset(b, nbss, Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        // nginx: its client 10.0.0.7 resets; then its upstream 10.0.0.9:8080 resets nginx's request.
        TcpConversation web = b.Tcp("10.0.0.7", 51000, WebServer, 80);
        web.Handshake().Wait(TimeSpan.FromMilliseconds(200));
        WebReset = Reset(b, web, Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        TcpConversation upstream = b.Tcp(WebServer, 40000, "10.0.0.9", 8080);
        upstream.Handshake().Data(Side.Client, 300).Wait(TimeSpan.FromMilliseconds(100));
        UpstreamReset = Reset(b, upstream, Side.Server);
        b.Advance(TimeSpan.FromSeconds(10));
        // sshd: 10.0.0.7:50412 resets during the key exchange.
        TcpConversation ssh = b.Tcp("10.0.0.7", 50412, "10.0.0.3", 22);
        ssh.Handshake().Data(Side.Server, 40).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(100));
        SshReset = Reset(b, ssh, Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        // PostgreSQL: 10.0.0.8:50600 resets.
        TcpConversation pg = b.Tcp("10.0.0.8", 50600, "10.0.0.4", 5432);
        pg.Handshake().Data(Side.Client, 40).Data(Side.Server, 40).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(100));
        PostgresReset = Reset(b, pg, Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        // 10.20.1.9, NetBIOS name WS-0043, opens a session on 139 and closes it with FIN: no reset.
        TcpConversation nbssFin = b.Tcp("10.20.1.9", 50600, SambaServer, 139);
        nbssFin.Handshake().Data(Side.Client, SmbPayloads.NetBiosSessionRequest("FILESRV", 0x20, "WS-0043", 0x00))
            .Data(Side.Server, SmbPayloads.NetBiosPositiveSessionResponse()).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(300));
        nbssFin.Fin(Side.Client).Fin(Side.Server);
        NetBiosFinClose = b.Now;
        nbssFin.Ack(Side.Client);
        b.Advance(TimeSpan.FromSeconds(10));
        Capture = Path.Combine(_folder, "server.pcap");
        File.WriteAllBytes(Capture, b.ToPcapBytes());
    }

    public string Capture { get; }
    public long SambaReset { get; }
    public long NetBiosReset { get; }
    public long WebReset { get; }
    public long UpstreamReset { get; }
    public long SshReset { get; }
    public long PostgresReset { get; }
    public long NetBiosFinClose { get; }

    private static long Reset(TrafficBuilder b, TcpConversation connection, Side by)
    {
        long at = b.Now;
        connection.Rst(by, withAck: true);
        return at;
    }

    /// <summary>The local time a server writes a line at, a few hundred microseconds after the RST.</summary>
    public static DateTime Local(long utcNanos) =>
        new(DateTime.UnixEpoch.Ticks + (utcNanos / 100) + LocalOffset.Ticks + TimeSpan.FromMicroseconds(412).Ticks, DateTimeKind.Unspecified);

    public static string Samba(long utcNanos, bool hires = true) => hires
        ? Local(utcNanos).ToString("'['yyyy'/'MM'/'dd HH:mm:ss.ffffff',  1]'", CultureInfo.InvariantCulture)
        : Local(utcNanos).ToString("'['yyyy'/'MM'/'dd HH:mm:ss',  0]'", CultureInfo.InvariantCulture);

    public static string Nginx(long utcNanos) => Local(utcNanos).ToString("yyyy'/'MM'/'dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Syslog(long utcNanos) => Local(utcNanos).ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Iso(long utcNanos, string format = "yyyy-MM-dd HH:mm:ss") => Local(utcNanos).ToString(format, CultureInfo.InvariantCulture);

    public string WriteLog(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        // Syslog lines carry no year: it follows from the file's modification time, as for a log copied with its dates.
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 3, 12, 0, 0, 0, DateTimeKind.Utc));
        return path;
    }

    public string PathOf(string name) => Path.Combine(_folder, name);

    public static List<JsonElement> Rows(string json) =>
        json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
