using System.Collections;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Hands out only the frames of another source that a pcap-filter(7) expression accepts, as tcpdump -r does.
/// A pcapng file may mix link types, and a filter program is specific to one, so the expression is compiled
/// once per link type, when the first frame of that type arrives.
/// </summary>
/// <remarks>
/// A link type libpcap cannot compile the expression for (one it does not know, or "vlan" on raw IP) gets one
/// <see cref="CaptureProblemKind.CaptureSetup"/> warning and its frames are rejected: the caller asked for
/// the frames the expression selects, and letting untested frames through would break that promise.
/// </remarks>
public sealed class FilteredPacketSource : IPacketSource
{
    private readonly IPacketSource _inner;
    private readonly Dictionary<int, BpfFilter?> _filtersByLinkType = [];
    private readonly List<CaptureProblem> _ownProblems = [];
    private readonly CombinedProblems _problems;

    // The link type of the previous frame and its filter, so that a run of one link type skips the dictionary.
    private int _currentLinkType;
    private BpfFilter? _currentFilter;
    private bool _disposed;

    /// <summary>
    /// Wraps <paramref name="inner"/>, which this source then owns and disposes. The expression is compiled
    /// at once for <paramref name="validationLinkType"/>, so a bad expression throws
    /// <see cref="BpfFilterException"/> here, before anything is read (the caller still owns
    /// <paramref name="inner"/> then). Throws <see cref="LibPcapUnavailableException"/> without libpcap.
    /// </summary>
    public FilteredPacketSource(
        IPacketSource inner, string expression, int validationLinkType = LinkTypes.Ethernet)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(expression);
        _inner = inner;
        Expression = expression;
        _problems = new CombinedProblems(inner, _ownProblems);

        BpfFilter filter = BpfFilter.Compile(expression, validationLinkType);
        _filtersByLinkType.Add(validationLinkType, filter);
        _currentLinkType = validationLinkType;
        _currentFilter = filter;
    }

    public string Expression { get; }

    public string Name => _inner.Name;

    public CaptureProblem? StopProblem => _inner.StopProblem;

    /// <summary>The inner source's problems, then this source's own (one warning per link type the filter cannot apply to).</summary>
    public IReadOnlyList<CaptureProblem> Problems => _problems;

    /// <summary>Frames read from the inner source, accepted or not.</summary>
    public long PacketsRead => _inner.PacketsRead;

    /// <summary>Frames the filter accepted: the ones handed out.</summary>
    public long PacketsMatched { get; private set; }

    /// <summary>Frames the filter rejected, including those of link types it cannot apply to.</summary>
    public long PacketsRejected { get; private set; }

    public bool TryReadNext(out PacketRecord packet)
    {
        while (!_disposed && _inner.TryReadNext(out packet))
        {
            BpfFilter? filter = packet.LinkType == _currentLinkType ? _currentFilter : FilterFor(packet.LinkType);
            if (filter is not null && filter.Matches(packet.Data, packet.OriginalLength))
            {
                PacketsMatched++;
                return true;
            }

            PacketsRejected++;
        }

        packet = default;
        return false;
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (BpfFilter? filter in _filtersByLinkType.Values)
            filter?.Dispose();
        _filtersByLinkType.Clear();
        _currentFilter = null;
        _inner.Dispose();
    }

    private BpfFilter? FilterFor(int linkType)
    {
        if (!_filtersByLinkType.TryGetValue(linkType, out BpfFilter? filter))
        {
            try
            {
                filter = BpfFilter.Compile(Expression, linkType);
            }
            catch (BpfFilterException exception)
            {
                filter = null;
                // At most one per link type, and link types are 16-bit numbers; still keep the usual cap.
                if (_ownProblems.Count < CaptureLimits.MaxProblemsKept)
                {
                    _ownProblems.Add(new CaptureProblem(Name, 0, CaptureProblemKind.CaptureSetup, ProblemSeverity.Warning,
                        $"the filter cannot be applied to link type {LinkTypes.Name(linkType)} ({exception.LibPcapMessage}); its packets are left out"));
                }
            }

            _filtersByLinkType.Add(linkType, filter);
        }

        _currentLinkType = linkType;
        _currentFilter = filter;
        return filter;
    }

    /// <summary>The inner source's problem list followed by this source's, without copying either.</summary>
    private sealed class CombinedProblems(IPacketSource inner, List<CaptureProblem> own) : IReadOnlyList<CaptureProblem>
    {
        public int Count => inner.Problems.Count + own.Count;

        public CaptureProblem this[int index]
        {
            get
            {
                IReadOnlyList<CaptureProblem> first = inner.Problems;
                return index < first.Count ? first[index] : own[index - first.Count];
            }
        }

        public IEnumerator<CaptureProblem> GetEnumerator() => inner.Problems.Concat(own).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
