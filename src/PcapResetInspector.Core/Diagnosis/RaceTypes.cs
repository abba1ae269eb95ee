using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>Which kind of connect race a group is.</summary>
public enum RaceKind
{
    /// <summary>A Windows client's simultaneous connects to ports 445 and 139 of one server (resets.md, "The SMB 139/445 race").</summary>
    Smb139And445,
    /// <summary>Parallel connects to one service port, one kept (RFC 8305 Happy Eyeballs, or several addresses of one host).</summary>
    ParallelConnect,
}

/// <summary>The shapes a 139/445 race loser takes (resets.md, the variant table).</summary>
public enum SmbRaceVariant
{
    /// <summary>SYN; SYN-ACK; client RST without the handshake's ACK (Zeek ShR, RSTO). smbd never accepted it.</summary>
    A,
    /// <summary>SYN; SYN-ACK; ACK; client RST (ShAR, RSTO). smbd's first read fails.</summary>
    B,
    /// <summary>Handshake, NetBIOS session request (0x81), maybe the server's 0x82, then a client RST (ShADadR). 139 only.</summary>
    C,
    /// <summary>Handshake, then the client closes gracefully with FIN before any SMB (ShAF..., SF or S2).</summary>
    D,
    /// <summary>The client's SYNs were never answered (S, S0); the other port won.</summary>
    E,
    /// <summary>Nothing listens on the port: the server answered the SYN with RST,ACK (Sr, REJ).</summary>
    F,
}

/// <summary>
/// Measured gaps between a race loser and its winner, so users can check the grouping themselves
/// (resets.md: "Report the measured gaps (SYN to SYN, SYN to RST) for every pair").
/// </summary>
/// <param name="SynToSynMilliseconds">The loser's first SYN minus the winner's: negative when the loser's SYN came first.</param>
/// <param name="SynToResetMilliseconds">
/// From the loser's SYN to the packet that ended it (its RST, the client's FIN for variant D); null
/// when nothing ended it (variant E).
/// </param>
public readonly record struct RaceGaps(double SynToSynMilliseconds, double? SynToResetMilliseconds);

/// <summary>What a race member needs to know about the sibling that carried on: kept small, because winners are indexed for a while.</summary>
public sealed record SiblingInfo(
    string Uid,
    IpAddress128 ClientAddress,
    IpAddress128 ServerAddress,
    ushort ServerPort,
    byte IpVersion,
    long SynTime,
    long EndTime,
    ulong ClientDataPackets,
    ulong ClientPayloadBytes,
    ulong ServerDataPackets,
    int FirstClientByte,
    bool ClientPayloadUncaptured = false,
    long ServerFirstPacketTime = 0);

/// <summary>The race a loser belongs to: the group and the sibling that carried on.</summary>
public sealed record RaceMatch(RaceKind Kind, int GroupId, SiblingInfo Winner);

/// <summary>A source's fan-out of probe-shaped connects (no client payload) within the scan window around one of them.</summary>
public sealed record ScanFanOut(int Probes, int DistinctPorts, int DistinctHosts, long FirstSynTime, long LastSynTime)
{
    /// <summary>The scan finding this fan-out is part of.</summary>
    public HostFinding? Finding { get; init; }
}

/// <summary>
/// What the race grouping knows about a connection beyond its own summary. The diagnosis of a
/// connection is a pure function of its summary and this context.
/// </summary>
public sealed class DiagnosisContext
{
    /// <summary>No race and no scan known: the connection is judged alone.</summary>
    public static DiagnosisContext None { get; } = new();

    /// <summary>The race this connection lost, if any.</summary>
    public RaceMatch? Race { get; init; }

    /// <summary>The client's fan-out when it reached the scan thresholds.</summary>
    public ScanFanOut? Scan { get; init; }

    /// <summary>The SYN flood or SYN-ACK reflection this connection is a member of.</summary>
    public HostFinding? Finding { get; init; }
}
