namespace PcapResetInspector.Core.Capture;

public enum ProblemSeverity
{
    /// <summary>Reading went on (or ended normally) despite the problem.</summary>
    Warning,
    /// <summary>Reading of that input stopped here; what came before was analysed.</summary>
    Error,
}

public enum CaptureProblemKind
{
    /// <summary>The first bytes are no capture format's magic.</summary>
    NotACaptureFile,
    /// <summary>A known format this tool does not read (snoop, zstd, ...).</summary>
    UnsupportedFormat,
    /// <summary>A pcap or pcapng version this tool does not read.</summary>
    UnsupportedVersion,
    /// <summary>Header fields that no valid file has (reserved bits set, bad byte-order magic).</summary>
    InvalidHeader,
    /// <summary>The input ends inside a record: a capture killed mid-write.</summary>
    TruncatedRecord,
    /// <summary>A record or block length that no valid file has.</summary>
    ImpossibleLength,
    /// <summary>A block whose internal structure is inconsistent.</summary>
    CorruptBlock,
    /// <summary>A record field out of range that was tolerated (caplen above snaplen, ...).</summary>
    SuspiciousRecord,
    /// <summary>The operating system or the decompressor failed to deliver the bytes.</summary>
    IoError,
    /// <summary>
    /// The source works with less than was asked for: a packet filter that cannot apply to a link type, a live
    /// interface that could not be put into promiscuous mode.
    /// </summary>
    CaptureSetup,
}

/// <summary>
/// Something wrong with an input, with where it was found. Created only when something is wrong,
/// so it may allocate.
/// </summary>
public sealed record CaptureProblem(
    string Source,
    long Offset,
    CaptureProblemKind Kind,
    ProblemSeverity Severity,
    string Message)
{
    public override string ToString() =>
        $"{Source}: {(Severity == ProblemSeverity.Error ? "error" : "warning")} at byte offset {Offset}: {Message}";
}
