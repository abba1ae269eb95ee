using PcapResetInspector.Core.Capture;
using PcapResetInspector.LibPcap;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// -f/--filter on saved files: the expression is checked once up front (libpcap compiles it for
/// Ethernet), then each input is wrapped in a <see cref="FilteredPacketSource"/> that compiles it per
/// link type as packets arrive.
/// </summary>
public sealed class PacketFilterFactory
{
    private PacketFilterFactory(string expression)
    {
        Expression = expression;
    }

    public string Expression { get; }

    /// <summary>Returns <see cref="ExitCodes.Success"/> with a factory, or the exit code and one line saying what is wrong.</summary>
    public static int TryCreate(string expression, out PacketFilterFactory? factory, out string? message)
    {
        factory = null;
        message = null;
        if (!LibPcapRuntime.IsAvailable)
        {
            message = "-f/--filter needs libpcap to compile the filter, and none was found: " +
                      LibPcapLibrary.InstallHint(LibPcapLibrary.CurrentPlatform) + " (or leave out the filter)";
            return ExitCodes.PcapError;
        }
        try
        {
            BpfFilter.Compile(expression, LinkTypes.Ethernet).Dispose();
        }
        catch (BpfFilterException e)
        {
            message = $"invalid capture filter \"{expression}\": {e.LibPcapMessage}";
            return ExitCodes.InvalidFilter;
        }
        factory = new PacketFilterFactory(expression);
        return ExitCodes.Success;
    }

    private readonly List<FilteredPacketSource> _wrapped = [];

    /// <summary>Packets that matched, over every input wrapped so far.</summary>
    public long PacketsMatched => _wrapped.Sum(s => s.PacketsMatched);

    /// <summary>Packets the filter dropped, over every input wrapped so far.</summary>
    public long PacketsRejected => _wrapped.Sum(s => s.PacketsRejected);

    /// <summary>The filtered view of <paramref name="source"/>; disposing it disposes the source too.</summary>
    public IPacketSource Wrap(IPacketSource source)
    {
        var filtered = new FilteredPacketSource(source, Expression);
        _wrapped.Add(filtered);
        return filtered;
    }
}
