using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// Every libpcap signature in this assembly is blittable: strings go in and out as byte pointers, so the
// runtime marshals nothing on its own, and the generated stubs copy nothing per packet.
[assembly: DisableRuntimeMarshalling]
[assembly: InternalsVisibleTo("PcapResetInspector.LibPcap.Tests")]

namespace PcapResetInspector.LibPcap;

/// <summary>
/// The libpcap binding, split by function group over several files. Signatures follow pcap/pcap.h of
/// libpcap 1.10; each group's file cites the man pages it follows.
/// </summary>
internal static unsafe partial class Interop
{
    /// <summary>The name every import uses; the resolver maps it to the first candidate that loads.</summary>
    internal const string LibraryName = "libpcap";

    /// <summary>pcap/pcap.h: error messages fit in PCAP_ERRBUF_SIZE bytes, terminator included.</summary>
    internal const int ErrorBufferSize = 256;

    /// <summary>pcap_compile(3PCAP): no netmask known, so only IPv4 broadcast tests fail to compile.</summary>
    internal const uint NetmaskUnknown = 0xFFFFFFFF;

    private static readonly Lazy<nint> Library = new(LoadLibrary, LazyThreadSafetyMode.ExecutionAndPublication);

    // A static constructor (not a field initializer alone) so the resolver is installed before the first
    // call into any function of this class, exactly once, under the runtime's type-initialisation lock.
    static Interop()
    {
        NativeLibrary.SetDllImportResolver(typeof(Interop).Assembly, Resolve);
    }

    /// <summary>The loaded library's handle, or zero when no candidate name loads here.</summary>
    internal static nint LibraryHandle => Library.Value;

    private static nint LoadLibrary() =>
        LibPcapLibrary.TryLoad(LibPcapLibrary.CurrentPlatform, out nint handle, out _) ? handle : 0;

    // Zero sends the runtime on to its own probing, which then fails with DllNotFoundException; callers
    // check LibPcapRuntime first, so that is only reached by a bug.
    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? Library.Value : 0;
}
