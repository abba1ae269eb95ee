using PcapResetInspector.Core.Capture;
namespace PcapResetInspector.Cli.Commands;
public sealed class PacketFilterFactory : IDisposable
{
    public static int TryCreate(string expression, out PacketFilterFactory? factory, out string? message)
    {
        factory = null; message = "filters need libpcap"; return ExitCodes.PcapError;
    }
    public IPacketSource Wrap(IPacketSource source) => source;
    public void Dispose() { }
}
