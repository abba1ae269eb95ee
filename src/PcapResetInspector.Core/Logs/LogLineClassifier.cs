using System.Text.RegularExpressions;

namespace PcapResetInspector.Core.Logs;

/// <summary>One classified line: the known message (if any), its text and its time.</summary>
internal readonly record struct ClassifiedLine(MessageHit? Hit, string Message, LogTime? Time);

/// <summary>
/// Classifies a single line that passed the keyword pre-check: a program's own header (nginx, Apache), or a
/// syslog/journal envelope around any program's message, or a message with a timestamp somewhere in it.
/// </summary>
internal static partial class LogLineClassifier
{
    // RFC 5424 §6: "<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]".
    [GeneratedRegex(@"^<\d{1,3}>\d{1,2} (?<ts>\S+) \S+ (?<app>\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?:\uFEFF)?(?<msg>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc5424();

    // RFC 3164 §4.1 "Mmm dd hh:mm:ss HOST TAG[PID]: MSG", journalctl short/short-precise, and the ISO 8601
    // stamps of journalctl short-iso and of Samba's "debug syslog format" with "debug hires timestamp".
    [GeneratedRegex(@"^(?:<\d{1,3}>)?(?<ts>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) (?<host>\S+) (?<app>[^\s:\[]+)(?:\[\d+\])?: (?<msg>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Syslog();

    public static ClassifiedLine Classify(string line, SyslogYear years)
    {
        Match header = WebServerMessages.NginxHeader().Match(line);
        if (header.Success)
        {
            string message = header.Groups["msg"].Value.Trim();
            return new(WebServerMessages.Nginx(message) ?? Content(message, null), message, LogTimestamps.At(line, 0, years));
        }
        header = WebServerMessages.ApacheHeader().Match(line);
        if (header.Success)
        {
            string message = header.Groups["msg"].Value.Trim();
            // 2.4 writes "[module:level]" and the client's port; 2.2 writes "[level]" and no port.
            bool apache24 = header.Groups["module"].Success;
            return new(WebServerMessages.Apache(message, apache24) ?? Content(message, null), message, LogTimestamps.At(line, 0, years));
        }
        Match envelope = Rfc5424().Match(line);
        if (!envelope.Success)
        {
            envelope = Syslog().Match(line);
        }
        if (envelope.Success && envelope.Groups["msg"].Success)
        {
            string inner = envelope.Groups["msg"].Value.Trim();
            LogTime? outer = LogTimestamps.At(line, envelope.Groups["ts"].Index, years);
            // A program's own full timestamp inside the message beats a syslog stamp without a year or zone.
            ClassifiedLine nested = Classify(inner, years);
            LogTime? time = nested.Time is LogTime own && (outer is null || (outer.Value.Offset is null && own.Offset is not null))
                ? own : outer;
            return nested with { Time = time };
        }
        LogTime? found = LogTimestamps.Find(line, years);
        string text = line.Trim();
        return new(Content(line, found), text, found);
    }

    private static MessageHit? Content(string text, LogTime? time) =>
        SambaLog.Classify(text)
        ?? WebServerMessages.Nginx(text)
        ?? WebServerMessages.Apache(text, portInPeer: true)
        ?? ServiceMessages.Sshd(text)
        ?? ServiceMessages.PostgreSql(text, time)
        ?? ServiceMessages.Java(text, time)
        ?? ServiceMessages.Generic(text, time);
}
