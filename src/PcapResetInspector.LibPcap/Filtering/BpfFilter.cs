using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// A pcap-filter(7) expression compiled by libpcap for one link type, tested against frames from files
/// with pcap_offline_filter(3PCAP). Compiled with the optimiser on and the netmask unknown, so IPv4
/// broadcast tests ("ip broadcast") do not compile (pcap_compile(3PCAP)). Not for concurrent use.
/// </summary>
public sealed unsafe class BpfFilter : IDisposable
{
    /// <summary>libpcap's MAXIMUM_SNAPLEN, what tcpdump uses when not told otherwise.</summary>
    public const int DefaultSnapLength = 262_144;

    private readonly SafeBpfProgramHandle _program;

    private BpfFilter(SafeBpfProgramHandle program, string expression, int linkType)
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
    public static BpfFilter Compile(string expression, int linkType, int snapLength = DefaultSnapLength)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        LibPcapRuntime.EnsureAvailable();

        // pcap_open_dead(3PCAP) gives a handle that only carries the link type and snapshot length the
        // code generator needs; it fails only when out of memory.
        using SafePcapHandle dead = Interop.pcap_open_dead(DataLinkTypes.ToDlt(linkType), snapLength);
        if (dead.IsInvalid)
            throw new BpfFilterException(expression, linkType, "pcap_open_dead failed (out of memory)");

        SafeBpfProgramHandle? program = Interop.Compile(dead, expression, out string error);
        if (program is null)
            throw new BpfFilterException(expression, linkType, error);
        return new BpfFilter(program, expression, linkType);
    }

    /// <summary>
    /// True when the filter accepts the frame. <paramref name="frame"/> is what was captured; the program
    /// sees <paramref name="originalLength"/> as the wire length (for "len" and "greater"/"less").
    /// Allocates nothing: the packet header lives on the stack.
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
            return Interop.pcap_offline_filter(_program, headerBytes, frameBytes is null ? &placeholder : frameBytes) != 0;
        }
    }

    /// <summary>True when the filter accepts the record; see <see cref="Matches(ReadOnlySpan{byte}, int)"/>.</summary>
    public bool Matches(in PacketRecord packet) => Matches(packet.Data, packet.OriginalLength);

    public void Dispose() => _program.Dispose();
}
