using System.Text.RegularExpressions;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Logs;

/// <summary>
/// nginx error.log and Apache httpd error_log messages about resets. Both proxies also log resets of their
/// own connections to a backend; those name the backend as the server and no client, because the client of
/// that connection is the proxy host itself.
/// </summary>
internal static partial class WebServerMessages
{
    // src/core/ngx_log.c: "YYYY/MM/DD HH:MM:SS [level] pid#tid: *conn " before the message.
    [GeneratedRegex(@"^(?<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?<lvl>\w+)\] \d+#\d+: (?:\*\d+ )?(?<msg>.*)$", RegexOptions.CultureInvariant)]
    public static partial Regex NginxHeader();

    // ngx_connection_error / ngx_ssl_connection_error: "<call>() failed (%d: strerror)" (ngx_log_errno);
    // ngx_ssl_error puts OpenSSL's queue " (SSL: ...)" between the call and the errno.
    [GeneratedRegex(@"\b(?<call>\w+)\(\) failed (?:\(SSL:.*?\) )?\((?<code>\d+): (?<text>[^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex NginxCallFailed();

    // src/event/ngx_event_openssl.c ngx_ssl_handshake: "peer closed connection in SSL handshake", with an
    // errno in parentheses when the handshake read failed with one.
    [GeneratedRegex(@"\bpeer closed connection in SSL handshake(?: \((?<code>\d+): (?<text>[^)]*)\))?", RegexOptions.CultureInvariant)]
    private static partial Regex NginxPeerClosed();

    // ngx_http_log_error / ngx_http_log_error_handler: " while %s", ", client: %V", ", upstream: "%V%V%s%V"".
    [GeneratedRegex(@" while (?<action>[^,]+)|, client: (?<client>[^,]+)|, upstream: ""(?<upstream>[^""]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex NginxFields();

    // server/log.c do_errorlog_default: "[%{u}t] [module:level] [pid %P:tid %T] " (2.4), "[ctime] [level] " (2.2).
    [GeneratedRegex(@"^(?<ts>\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [^\]]+\]) \[(?:(?<module>[\w.-]*):)?(?<lvl>\w+)\] (?:\[pid [^\]]*\] )?(?<msg>.*)$", RegexOptions.CultureInvariant)]
    public static partial Regex ApacheHeader();

    // log_apr_status: "(%d)" or "(OS %d)" then apr_strerror, then ": "; the peer as "[client %s:%d] " (2.4,
    // "[remote ...]" for a proxy's backend connection) or "[client %s] " (2.2).
    [GeneratedRegex(@"\((?:OS )?(?<code>\d+)\)(?<text>[^:\]]*):", RegexOptions.CultureInvariant)]
    private static partial Regex ApacheStatus();

    [GeneratedRegex(@"\[(?<role>client|remote) (?<addr>[^\]\s]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex ApachePeer();

    [GeneratedRegex(@"\b(?<ah>AH\d{5}): (?<text>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ApacheCode();

    // modules/proxy/mod_proxy_http.c AH01102 "error reading status line from remote server %s:%d";
    // proxy_util.c AH01095 "prefetch request body failed to %pI (%s)"; mod_proxy_http.c AH01097
    // "pass request body failed to %pI<>%pI (%s)" (local<>backend).
    [GeneratedRegex(@"remote server (?<b>\S+?)(?:,|$|\s)|request body failed to (?:\S+<>)?(?<b>\S+) \(", RegexOptions.CultureInvariant)]
    private static partial Regex ApacheBackend();

    private static bool IsResetErrno(string code, string text) =>
        code is "104" or "54" or "10054" || ResetWords.IsResetText(text);

    public static MessageHit? Nginx(string message)
    {
        string call;
        Match failed = NginxCallFailed().Match(message);
        if (failed.Success && IsResetErrno(failed.Groups["code"].Value, failed.Groups["text"].Value))
        {
            call = $"{failed.Groups["call"].Value}() failed ({failed.Groups["code"].Value}: {failed.Groups["text"].Value})";
        }
        else if (NginxPeerClosed().Match(message) is { Success: true } closed
            && (!closed.Groups["code"].Success || IsResetErrno(closed.Groups["code"].Value, closed.Groups["text"].Value)))
        {
            call = closed.Groups["code"].Success ? "peer closed connection in SSL handshake (reset)"
                : "peer closed connection in SSL handshake (reset or close)";
        }
        else
        {
            return null;
        }
        string? action = null, client = null, upstream = null;
        foreach (Match field in NginxFields().Matches(message))
        {
            action ??= field.Groups["action"].Success ? field.Groups["action"].Value : null;
            client ??= field.Groups["client"].Success ? field.Groups["client"].Value : null;
            upstream ??= field.Groups["upstream"].Success ? field.Groups["upstream"].Value : null;
        }
        string detail = "nginx " + call + (action is null ? "" : " while " + action);
        if (upstream is not null && action is not null && action.Contains("upstream", StringComparison.Ordinal))
        {
            LogEndpoint? backend = LogAddresses.ParseLastColonPort(UrlAuthority(upstream));
            return new MessageHit(LogFormat.Nginx, detail + ": nginx's own connection to the upstream was reset",
                Server: backend?.Address, ServerPort: backend?.Port);
        }
        // addr_text holds the address without the port.
        return new MessageHit(LogFormat.Nginx, detail, client is null ? null : LogAddresses.Parse(client));
    }

    private static string UrlAuthority(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        string rest = scheme >= 0 ? url[(scheme + 3)..] : url;
        int slash = rest.IndexOf('/');
        return slash >= 0 ? rest[..slash] : rest;
    }

    public static MessageHit? Apache(string message, bool portInPeer)
    {
        Match status = ApacheStatus().Match(message);
        if (!status.Success || !IsResetErrno(status.Groups["code"].Value, status.Groups["text"].Value))
        {
            return null;
        }
        Match code = ApacheCode().Match(message);
        string what = code.Success ? $"{code.Groups["ah"].Value} {code.Groups["text"].Value.TrimEnd('.')}" : "error";
        string detail = $"Apache httpd ({status.Groups["code"].Value}){status.Groups["text"].Value.Trim()}: {what}";
        Match peer = ApachePeer().Match(message);
        LogEndpoint? endpoint = null;
        if (peer.Success)
        {
            endpoint = portInPeer ? LogAddresses.ParseLastColonPort(peer.Groups["addr"].Value)
                : LogAddresses.Parse(peer.Groups["addr"].Value) is IpAddress128 bare ? new LogEndpoint(bare, null)
                : LogAddresses.ParseLastColonPort(peer.Groups["addr"].Value);
        }
        bool backendCode = code.Success && code.Groups["ah"].Value is "AH01102" or "AH01110" or "AH01095" or "AH01097";
        bool backendText = message.Contains("from remote server", StringComparison.Ordinal);
        if (backendCode || backendText || peer.Groups["role"].Value == "remote")
        {
            Match backend = ApacheBackend().Match(message);
            LogEndpoint? server = backend.Success ? LogAddresses.ParseLastColonPort(backend.Groups["b"].Value)
                : peer.Groups["role"].Value == "remote" ? endpoint : null;
            return new MessageHit(LogFormat.Apache, detail + " (the proxy's own connection to the backend was reset)",
                Server: server?.Address, ServerPort: server?.Port);
        }
        return new MessageHit(LogFormat.Apache, detail, endpoint?.Address, endpoint?.Port);
    }
}
