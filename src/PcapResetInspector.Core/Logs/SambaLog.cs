using System.Net;
using System.Text.RegularExpressions;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Logs;

/// <summary>What a known message says about the reset connection.</summary>
internal sealed record MessageHit(
    LogFormat Format, string Detail, IpAddress128? Client = null, ushort? ClientPort = null,
    IpAddress128? Server = null, ushort? ServerPort = null);

/// <summary>
/// Samba's log entries (lib/util/debug.c dbghdrclass): a header "[YYYY/MM/DD HH:MM:SS(.uuuuuu),  LEVEL(, pid=..,
/// effective(..), real(..), class=.., ...)] file:line(function)" and then the message on lines indented by two
/// spaces. With "debug prefix timestamp" the message follows the header on the same line; with "debug syslog
/// format" the line is syslog-shaped and goes through the syslog envelope instead.
/// </summary>
internal static partial class SambaLog
{
    [GeneratedRegex(@"^\[(?<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?), *\d+(?:,[^\]]*)?\] ?(?<rest>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Header();

    // The location part: "../../source3/smbd/process.c:456(receive_smb_talloc)" (3.2+) or
    // "lib/util_sock.c:read_socket_with_timeout(431)" (3.0): one word ending in a parenthesis.
    [GeneratedRegex(@"^\S+:\S*\(\S*\)$", RegexOptions.CultureInvariant)]
    private static partial Regex Location();

    // 3.0-3.5 lib/util_sock.c: "read_socket_with_timeout: client %s read error = %s." (3.0-3.4) and
    // "read_fd_with_timeout: client %s read error = %s." (3.4+), %s the peer address or 0.0.0.0.
    [GeneratedRegex(@"\b(?<fn>read_\w+_with_timeout): client (?<c>\S+) read error = (?<e>.+?)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeoutRead();

    // 3.0 lib/util_sock.c: "read_socket_data: recv failure for %d. Error = %s" (%d the bytes still wanted).
    [GeneratedRegex(@"\bread_socket_data: recv failure for \d+\. Error = (?<e>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RecvFailure();

    // 3.2-3.5 lib/util_sock.c: "write_data: write failure in writing to client %s. Error %s".
    [GeneratedRegex(@"\bwrite_data: write failure in writing to client (?<c>\S+)\. Error (?<e>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex WriteFailure();

    // smbd/process.c, later smb1_process.c and smb2_process.c: "<fn> failed for client %s read error = %s."
    [GeneratedRegex(@"\b(?<fn>read_smb_length_return_keepalive|receive_smb_raw_talloc|smb2_receive_raw_talloc) failed for client (?<c>.+?) read error = (?<e>\w+)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex ClientReadFailed();

    // smbd/server_exit.c exit_server_common: "Server exit (%s)", from 4.x with a "exit_server_common: " prefix.
    [GeneratedRegex(@"\bServer exit \((?<r>failed to receive request length|NT_STATUS_CONNECTION_RESET)\)", RegexOptions.CultureInvariant)]
    private static partial Regex ServerExit();

    /// <summary>The cheap shape test for a header line: "[dddd/dd/dd dd:dd:dd", no regex.</summary>
    public static bool LooksLikeHeader(ReadOnlySpan<char> line) =>
        line.Length >= 24 && line[0] == '[' && line[5] == '/' && line[8] == '/' && line[11] == ' '
        && line[14] == ':' && line[17] == ':' && char.IsAsciiDigit(line[1]) && char.IsAsciiDigit(line[4])
        && char.IsAsciiDigit(line[10]) && char.IsAsciiDigit(line[19]);

    /// <summary>Splits a header into its time text and what follows: a message, or null when it names a location.</summary>
    public static bool TryParseHeader(string header, out string time, out string? sameLineMessage)
    {
        Match match = Header().Match(header);
        time = match.Groups["ts"].Value;
        string rest = match.Groups["rest"].Value.Trim();
        sameLineMessage = rest.Length == 0 || Location().IsMatch(rest) ? null : rest;
        return match.Success;
    }

    public static MessageHit? Classify(string message)
    {
        Match m = ClientReadFailed().Match(message);
        if (m.Success)
        {
            if (m.Groups["e"].Value != "NT_STATUS_CONNECTION_RESET")
            {
                return null;
            }
            return ClientReadHit(m.Groups["fn"].Value, m.Groups["c"].Value);
        }
        m = ServerExit().Match(message);
        if (m.Success)
        {
            return new MessageHit(LogFormat.Samba, m.Groups["r"].Value == "NT_STATUS_CONNECTION_RESET"
                ? "Samba 4.x Server exit (NT_STATUS_CONNECTION_RESET)"
                : "Samba 4.17+ Server exit (failed to receive request length): the client reset or closed");
        }
        m = TimeoutRead().Match(message);
        if (m.Success && ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return Hit($"Samba 3.x {m.Groups["fn"].Value} read error", m.Groups["c"].Value);
        }
        m = RecvFailure().Match(message);
        if (m.Success && ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return new MessageHit(LogFormat.Samba, "Samba 3.0 read_socket_data recv failure (no client in the line)");
        }
        m = WriteFailure().Match(message);
        if (m.Success && ResetWords.IsResetText(m.Groups["e"].Value))
        {
            return Hit("Samba 3.x write_data write failure", m.Groups["c"].Value);
        }
        return null;
    }

    private static MessageHit Hit(string detail, string client) =>
        new(LogFormat.Samba, detail, LogAddresses.Parse(client));

    private static MessageHit ClientReadHit(string function, string client)
    {
        if (function == "read_smb_length_return_keepalive")
        {
            return Hit("Samba 3.6.0-3.6.1 read_smb_length_return_keepalive read error", client);
        }
        // 4.0-4.14: "ipv4:IP:PORT"; 4.15-4.19: "ptr=%p,id=%llu,addr=<that>"; 4.20+:
        // "PID=%d,CLIENT=<guid>,channel=%u,remote=<that>,local=<that>" (smbXsrv_connection_dbg).
        string? remote = Field(client, "remote=") ?? Field(client, "addr=") ?? (client.Contains(':') ? client : null);
        if (remote is null)
        {
            return Hit($"Samba 3.6 {function} read error", client);
        }
        LogEndpoint? from = TsocketAddress(remote);
        LogEndpoint? to = Field(client, "local=") is string local ? TsocketAddress(local) : null;
        return new MessageHit(LogFormat.Samba, $"Samba 4.x {function} read error", from?.Address, from?.Port, to?.Address, to?.Port);
    }

    private static string? Field(string text, string name)
    {
        int at = text.IndexOf(name, StringComparison.Ordinal);
        if (at < 0 || (at > 0 && text[at - 1] != ','))
        {
            return null;
        }
        int start = at + name.Length;
        int end = text.IndexOf(',', start);
        return end < 0 ? text[start..] : text[start..end];
    }

    // lib/tsocket/tsocket_bsd.c tsocket_address_bsd_string: "%s:%s:%u" of "ipv4"/"ipv6", inet_ntop's
    // address and the port, so IPv6 is unbracketed ("ipv6:fe80::1:50412") and the port follows the last colon.
    private static LogEndpoint? TsocketAddress(string text)
    {
        if (text.StartsWith("ipv4:", StringComparison.Ordinal) || text.StartsWith("ipv6:", StringComparison.Ordinal))
        {
            return LogAddresses.ParseLastColonPort(text.AsSpan(5));
        }
        return null;
    }

    /// <summary>
    /// What a per-client log file's name says ("log file = .../log.%I" or ".../log.%m"): the client's address
    /// or NetBIOS name. Daemon logs (log.smbd, log.nmbd, log.wb-DOMAIN, ...) name no client, and rotation
    /// suffixes (.old from Samba itself, .1 and -YYYYMMDD from logrotate) are taken off first.
    /// </summary>
    public static (IpAddress128? Address, string? Name) ClientFromFileName(string fileName)
    {
        string name = Path.GetFileName(fileName);
        if (!name.StartsWith("log.", StringComparison.Ordinal))
        {
            return (null, null);
        }
        string rest = name[4..];
        while (true)
        {
            if (LogAddresses.Parse(rest) is IpAddress128 address)
            {
                return (address, null);
            }
            string stripped = StripRotation(rest);
            if (stripped == rest)
            {
                break;
            }
            rest = stripped;
        }
        if (IsDaemonLog(rest) || !IsNetBiosName(rest))
        {
            return (null, null);
        }
        return (null, rest);
    }

    private static string StripRotation(string name)
    {
        if (name.EndsWith(".old", StringComparison.Ordinal) || name.EndsWith(".gz", StringComparison.Ordinal))
        {
            return name[..name.LastIndexOf('.')];
        }
        int dot = name.LastIndexOf('.');
        if (dot > 0 && dot < name.Length - 1 && name.AsSpan(dot + 1).ContainsAnyExceptInRange('0', '9') == false)
        {
            return name[..dot];
        }
        int dash = name.LastIndexOf('-');
        if (dash > 0 && name.Length - dash == 9 && !name.AsSpan(dash + 1).ContainsAnyExceptInRange('0', '9'))
        {
            return name[..dash];
        }
        return name;
    }

    private static bool IsDaemonLog(string name) =>
        name is "smbd" or "nmbd" or "samba" or "winbindd" or "winbindd-idmap" or "winbindd-dc" or "wb-"
            or "samba-dcerpcd" or "samba-bgqd" or "smbcontrol" or "ctdb" or "%m" or "%I"
        || name.StartsWith("wb-", StringComparison.Ordinal)
        || name.StartsWith("rpcd_", StringComparison.Ordinal);

    // NetBIOS names are at most 15 characters (RFC 1001 §14; the 16th is the suffix byte).
    private static bool IsNetBiosName(string name) =>
        name.Length is > 0 and <= 15 && !IPAddress.TryParse(name, out _)
        && !name.AsSpan().ContainsAnyExcept(NetBiosCharacters);

    private static readonly System.Buffers.SearchValues<char> NetBiosCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_$!@#%^&'(){}~.");
}
