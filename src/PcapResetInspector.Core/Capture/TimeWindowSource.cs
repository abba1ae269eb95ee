namespace PcapResetInspector.Core.Capture;

/// <summary>
/// A time window over the packets of a run (--start, --end): each bound is absolute (ns since the
/// epoch) or relative to the first packet read. Shared by the sources of every input file, so that
/// rotated files form one timeline with one window.
/// </summary>
public sealed class PacketTimeWindow
{
    private long? _first;

    /// <summary>The start bound: absolute ns, or an offset from the first packet when <see cref="StartIsRelative"/>.</summary>
    public long? Start { get; init; }
    public bool StartIsRelative { get; init; }
    public long? End { get; init; }
    public bool EndIsRelative { get; init; }

    /// <summary>Packets read and left out of the analysis because they fell outside the window.</summary>
    public long PacketsOutside { get; private set; }

    /// <summary>Packets read in all (inside and outside the window).</summary>
    public long PacketsRead { get; private set; }

    public bool Contains(long timestampNanos)
    {
        _first ??= timestampNanos;
        PacketsRead++;
        long first = _first.Value;
        bool inside = (Start is not { } start || timestampNanos >= (StartIsRelative ? first + start : start)) &&
                      (End is not { } end || timestampNanos <= (EndIsRelative ? first + end : end));
        if (!inside)
            PacketsOutside++;
        return inside;
    }

    /// <summary>The source's packets inside this window.</summary>
    public IPacketSource Wrap(IPacketSource source) => new TimeWindowSource(source, this);

    private sealed class TimeWindowSource(IPacketSource inner, PacketTimeWindow window) : IPacketSource
    {
        public string Name => inner.Name;

        public CaptureProblem? StopProblem => inner.StopProblem;

        public IReadOnlyList<CaptureProblem> Problems => inner.Problems;

        public long PacketsRead { get; private set; }

        public bool TryReadNext(out PacketRecord packet)
        {
            while (inner.TryReadNext(out packet))
            {
                if (window.Contains(packet.TimestampNanos))
                {
                    PacketsRead++;
                    return true;
                }
            }
            return false;
        }

        // The inner source belongs to the caller, who disposes of it.
        public void Dispose()
        {
        }
    }
}
