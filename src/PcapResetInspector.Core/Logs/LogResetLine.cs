using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Logs;

/// <summary>Which program's log format a reset line was recognised in.</summary>
public enum LogFormat
{
    Samba,
    Nginx,
    Apache,
    Sshd,
    PostgreSql,
    Java,
    /// <summary>Only a reset wording and a timestamp were recognised, no known program's message.</summary>
    Generic,
}

/// <summary>How exactly a line names the client: the matcher trusts an address and port more than an address.</summary>
public enum LogAddressKind
{
    None,
    Address,
    AddressAndPort,
}

/// <summary>
/// One log message about a reset TCP connection. LineNumber is 1-based and points at the message's first
/// line (for Samba's two-line entries, the header). Message is the trimmed text, continuation lines joined
/// with a space. LocalTime is the time as written (Kind Unspecified); Offset is set only when the line
/// carries a zone. When a proxy logs a reset of its own connection to a backend, ServerAddress/ServerPort
/// name the backend and ClientAddress stays null (the client of that connection is the proxy host).
/// </summary>
public sealed record LogResetLine(
    string File,
    int LineNumber,
    string Message,
    LogFormat Format,
    DateTime LocalTime,
    TimeSpan? Offset,
    IpAddress128? ClientAddress,
    ushort? ClientPort,
    string? ClientName,
    IpAddress128? ServerAddress,
    ushort? ServerPort,
    string Detail)
{
    public LogAddressKind ClientAddressKind =>
        ClientAddress is null ? LogAddressKind.None
        : ClientPort is null ? LogAddressKind.Address
        : LogAddressKind.AddressAndPort;

    public LogAddressKind ServerAddressKind =>
        ServerAddress is null ? LogAddressKind.None
        : ServerPort is null ? LogAddressKind.Address
        : LogAddressKind.AddressAndPort;
}

/// <summary>What reading one log gave: the reset lines and counts of everything else.</summary>
public sealed class LogReadResult
{
    public required IReadOnlyList<LogResetLine> Resets { get; init; }
    public int LinesRead { get; init; }
    /// <summary>Lines that are not about resets (for Samba, every line of a non-reset entry).</summary>
    public int LinesSkipped { get; init; }
    /// <summary>Reset-looking lines with no usable time, so no connection can be matched to them.</summary>
    public int LinesWithoutTimestamp { get; init; }
    /// <summary>Lines over the 64 KiB limit, skipped without being held in memory.</summary>
    public int OverlongLines { get; init; }
    /// <summary>A one-line reason when the file is unusable (binary data, no timestamps at all, unreadable).</summary>
    public string? Problem { get; init; }
}
