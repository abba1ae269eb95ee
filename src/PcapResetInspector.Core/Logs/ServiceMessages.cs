using System.Buffers;
using System.Text.RegularExpressions;

namespace PcapResetInspector.Core.Logs;

/// <summary>The words that make a line worth a closer look, and the texts that mean "reset".</summary>
internal static partial class ResetWords
{
    // Every supported message holds one of these (case-insensitive): "reset" covers "Connection reset by peer",
    // ECONNRESET, WSAECONNRESET and NT_STATUS_CONNECTION_RESET; the others are Windows' 10054 and its text,
    // Samba 4.17's "failed to receive request length" and nginx's "peer closed connection in SSL handshake".
    private static readonly SearchValues<string> KeyWords = SearchValues.Create(
        ["reset", "10054", "request length", "SSL handshake", "forcibly closed"], StringComparison.OrdinalIgnoreCase);

    public static bool MayBeAboutReset(ReadOnlySpan<char> line) => line.IndexOfAny(KeyWords) >= 0;

    // 10054 only as an error code: "(10054", "error 10054", "errno=10054", "WSAECONNRESET 10054", "OS 10054".
    [GeneratedRegex(@"(?:\(|\b(?:error|errno|err|code|os|wsaeconnreset|socket error)\s*[=:#]?\s*)10054\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex WindowsCode();

    /// <summary>An error text that says the peer reset the connection.</summary>
    public static bool IsResetText(string text) =>
        text.Contains("connection reset", StringComparison.OrdinalIgnoreCase)
        || text.Contains("ECONNRESET", StringComparison.Ordinal)
        || text.Contains("NT_STATUS_CONNECTION_RESET", StringComparison.Ordinal)
        || text.Contains("forcibly closed by the remote host", StringComparison.OrdinalIgnoreCase)
        || WindowsCode().IsMatch(text);

    /// <summary>The generic rule's wording, for the detail, or null when the line says no reset.</summary>
    public static string? GenericWording(string line)
    {
        foreach (string word in (ReadOnlySpan<string>)["Connection reset by peer", "NT_STATUS_CONNECTION_RESET", "WSAECONNRESET", "ECONNRESET"])
        {
            if (line.Contains(word, StringComparison.Ordinal))
            {
                return word;
            }
        }
        if (line.Contains("connection reset", StringComparison.OrdinalIgnoreCase))
        {
            return "connection reset";
        }
        if (line.Contains("forcibly closed by the remote host", StringComparison.OrdinalIgnoreCase))
        {
            return "forcibly closed by the remote host";
        }
        return WindowsCode().IsMatch(line) ? "10054" : null;
    }
}

/// <summary>OpenSSH, PostgreSQL and Java messages about resets.</summary>
internal static partial class ServiceMessages
{
    // packet.c sshpkt_vfatal: "Connection reset by %s" with sshpkt_fmt_connection_id's
    // "%.200s%s%s port %d" (log preamble such as "authenticating user root", address, port).
    [GeneratedRegex(@"\bConnection reset by (?:(?<pre>.*) )?(?<a>\S+) port (?<p>\d{1,5})\b", RegexOptions.CultureInvariant)]
    private static partial Regex SshReset();

    // serverloop.c process_input: "Read error from remote host %s port %d: %s".
    [GeneratedRegex(@"\bRead error from remote host (?<a>\S+) port (?<p>\d{1,5}): (?<e>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SshReadError();

    // kex.c kex_exchange_identification (8.0+, client and server): "%s: read: %.100s"; before 8.0 the
    // client's sshconnect.c wrote "ssh_exchange_identification: read: %.100s".
    [GeneratedRegex(@"\b(?<fn>kex_exchange_identification|ssh_exchange_identification): read: (?<e>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SshIdentification();

    // src/backend/libpq/pqcomm.c: "could not receive data from client: %m", "could not send data to client: %m".
    [GeneratedRegex(@"\bcould not (?<dir>receive data from|send data to) client: (?<e>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PostgresClient();

    // JDK NioSocketImpl: SocketException("Connection reset"); the NIO channels' IOException carries strerror.
    [GeneratedRegex(@"\b(?<cls>(?:java|javax|sun|io|jdk)\.[\w.$]*(?:Exception|Error)): (?<e>Connection reset(?: by peer)?)", RegexOptions.CultureInvariant)]
    private static partial Regex JavaReset();

    public static MessageHit? Sshd(string message)
    {
        Match m = SshReset().Match(message);
        if (m.Success && LogAddresses.Parse(m.Groups["a"].Value) is { } address)
        {
            string who = m.Groups["pre"].Success ? $" ({m.Groups["pre"].Value})" : "";
            return new MessageHit(LogFormat.Sshd, $"OpenSSH sshd Connection reset by peer{who}",
                address, LogAddresses.Port(m.Groups["p"].Value));
        }
        m = SshReadError().Match(message);
        if (m.Success && ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return new MessageHit(LogFormat.Sshd, "OpenSSH sshd Read error from remote host",
                LogAddresses.Parse(m.Groups["a"].Value), LogAddresses.Port(m.Groups["p"].Value));
        }
        m = SshIdentification().Match(message);
        if (m.Success && ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return new MessageHit(LogFormat.Sshd, m.Groups["fn"].Value == "kex_exchange_identification"
                ? "OpenSSH 8.0+ kex_exchange_identification read reset (no address in the line)"
                : "OpenSSH client before 8.0 ssh_exchange_identification read reset (no address in the line)");
        }
        return null;
    }

    /// <summary>A PostgreSQL message; the client comes from the log_line_prefix (%r "host(port)" or %h).</summary>
    public static MessageHit? PostgreSql(string line, LogTime? time)
    {
        Match m = PostgresClient().Match(line);
        if (!m.Success || !ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return null;
        }
        int from = time is LogTime t && t.Index + t.Length <= m.Index ? t.Index + t.Length : 0;
        LogEndpoint? client = LogAddresses.Find(line[from..m.Index]);
        return new MessageHit(LogFormat.PostgreSql, $"PostgreSQL could not {m.Groups["dir"].Value} client (pqcomm.c)",
            client?.Address, client?.Port);
    }

    public static MessageHit? Java(string line, LogTime? time)
    {
        Match m = JavaReset().Match(line);
        if (!m.Success)
        {
            return null;
        }
        return WithAddress(LogFormat.Java, $"Java {m.Groups["cls"].Value}: {m.Groups["e"].Value}", line, time);
    }

    public static MessageHit? Generic(string line, LogTime? time)
    {
        string? wording = ResetWords.GenericWording(line);
        return wording is null ? null : WithAddress(LogFormat.Generic, $"generic reset wording \"{wording}\"", line, time);
    }

    private static MessageHit WithAddress(LogFormat format, string detail, string line, LogTime? time)
    {
        // The timestamp is blanked out first so its digits are never read as an address.
        if (time is LogTime t && t.Index + t.Length <= line.Length)
        {
            line = string.Concat(line.AsSpan(0, t.Index), new string(' ', t.Length), line.AsSpan(t.Index + t.Length));
        }
        LogEndpoint? endpoint = LogAddresses.Find(line);
        return new MessageHit(format, detail, endpoint?.Address, endpoint?.Port);
    }
}
