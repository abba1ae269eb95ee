namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Anything that yields captured frames in order: a capture file, several files as one timeline,
/// or a live interface. The pipeline downstream does not know which.
/// </summary>
public interface IPacketSource : IDisposable
{
    /// <summary>A name for messages: the file name, "-" for standard input, the interface name.</summary>
    string Name { get; }

    /// <summary>
    /// Reads the next frame. Returns false at the end of input or when a problem stopped reading
    /// (then <see cref="StopProblem"/> says which). The record's bytes are valid until the next call.
    /// </summary>
    bool TryReadNext(out PacketRecord packet);

    /// <summary>Why the last input stopped early, or null if every input ended cleanly so far.</summary>
    CaptureProblem? StopProblem { get; }

    /// <summary>Every problem met so far, warnings and errors, in order (capped, so memory stays bounded).</summary>
    IReadOnlyList<CaptureProblem> Problems { get; }

    /// <summary>Frames handed out so far.</summary>
    long PacketsRead { get; }
}
