using PcapResetInspector.Core.Capture;
using SharpPcap;
using SharpPcap.LibPcap;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// A pcap-filter(7) expression compiled by libpcap (SharpPcap's <see cref="BpfProgram"/>, on a pcap_open_dead
/// handle) for one link type, tested against frames from files with pcap_offline_filter(3PCAP). Compiled with
/// the optimiser on and the netmask unknown, so IPv4 broadcast tests ("ip broadcast") do not compile
/// (pcap_compile(3PCAP)). Not for concurrent use.
/// </summary>
public sealed unsafe class BpfFilter : IDisposable
{
    /// <summary>libpcap's MAXIMUM_SNAPLEN, what tcpdump uses when not told otherwise.</summary>
    public const int DefaultSnapLength = 262_144;

    private readonly BpfProgram _program;

    private BpfFilter(BpfProgram program, string expression, int linkType)
    {
        _program = program;
        Expression = expression;
        LinkType = linkType;
    }

    public string Expression { get; }

    /// <summary>The LINKTYPE_ value the filter was compiled for.</summary>
    public int LinkType { get; }

    /// <summary>
    /// Compiles <paramref name="expression"/> for frames of <paramref name="linkType"/> (a LINKTYPE_ value).
    /// Throws <see cref="BpfFilterException"/> with libpcap's message when libpcap refuses it, and
    /// <see cref="LibPcapUnavailableException"/> when there is no libpcap.
    /// </summary>
    public static BpfFilter Compile(string expression, int linkType)
    {
        ArgumentNullException.ThrowIfNull(expression);
        LibPcapRuntime.EnsureAvailable();
        try
        {
            // The dead handle's snapshot length is SharpPcap's 65536: it only bounds "len" tests in the code generator.
            BpfProgram program = BpfProgram.Create((PacketDotNet.LinkLayers)DataLinkTypes.ToDlt(linkType), expression);
            return new BpfFilter(program, expression, linkType);
        }
        catch (PcapException e)
        {
            // BpfProgram.Create throws with pcap_geterr(3PCAP)'s text as the whole message.
            throw new BpfFilterException(expression, linkType, e.Message);
        }
    }

    /// <summary>
    /// True when the filter accepts the frame. <paramref name="frame"/> is what was captured; the program
    /// sees <paramref name="originalLength"/> as the wire length (for "len" and "greater"/"less").
    /// Allocates nothing: the packet header lives on the stack (SharpPcap's span overload would allocate a
    /// header object and native memory per call, and give the captured length as the wire length).
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> frame, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_program.IsClosed, this);
        Span<byte> header = stackalloc byte[PacketHeaderLayout.MaxSize];
        PacketHeaderLayout.Write(header, frame.Length, Math.Max(originalLength, frame.Length));

        // An empty span pins to a null pointer; the program then reads nothing (bpf_filter checks every load
        // against caplen), but give it a valid address anyway.
        byte placeholder = 0;
        fixed (byte* headerBytes = header)
        fixed (byte* frameBytes = frame)
        {
            return _program.Matches((IntPtr)headerBytes, frameBytes is null ? (IntPtr)(&placeholder) : (IntPtr)frameBytes);
        }
    }

    /// <summary>True when the filter accepts the record; see <see cref="Matches(ReadOnlySpan{byte}, int)"/>.</summary>
    public bool Matches(in PacketRecord packet) => Matches(packet.Data, packet.OriginalLength);

    public void Dispose() => _program.Dispose();
}
