namespace PcapResetInspector.LibPcap.Tests;

/// <summary>A fact that is skipped, with the reason, when libpcap cannot be loaded.</summary>
public sealed class LibPcapFactAttribute : FactAttribute
{
    public const string MissingReason = "libpcap could not be loaded; install it (Debian/Ubuntu: apt-get install libpcap0.8) to run this test";

    public LibPcapFactAttribute()
    {
        if (!LibPcapRuntime.IsAvailable)
            Skip = MissingReason;
    }
}

/// <summary>A theory that is skipped, with the reason, when libpcap cannot be loaded.</summary>
public sealed class LibPcapTheoryAttribute : TheoryAttribute
{
    public LibPcapTheoryAttribute()
    {
        if (!LibPcapRuntime.IsAvailable)
            Skip = LibPcapFactAttribute.MissingReason;
    }
}

/// <summary>A fact for live capture on the loopback interface: skipped, with the reason, without libpcap or without root.</summary>
public sealed class LiveCaptureFactAttribute : FactAttribute
{
    public LiveCaptureFactAttribute()
    {
        Skip = LiveCaptureSkipReason();
    }

    internal static string? LiveCaptureSkipReason()
    {
        if (!LibPcapRuntime.IsAvailable)
            return LibPcapFactAttribute.MissingReason;
        if (!Environment.IsPrivilegedProcess)
            return "live capture needs root (or Administrator); run the tests as root to capture on the loopback interface";
        return null;
    }
}

/// <summary>As <see cref="LiveCaptureFactAttribute"/>, for theories.</summary>
public sealed class LiveCaptureTheoryAttribute : TheoryAttribute
{
    public LiveCaptureTheoryAttribute()
    {
        Skip = LiveCaptureFactAttribute.LiveCaptureSkipReason();
    }
}

/// <summary>
/// Measures what a loop allocates on the test thread. The runtime itself sometimes allocates a few hundred
/// bytes there (tiered JIT promotion, on-stack replacement), so a measurement is repeated and the smallest
/// result counts: an allocation per iteration shows in every attempt, multiplied by the iteration count.
/// </summary>
internal static class SteadyStateAllocation
{
    public static long SmallestOf(int attempts, Action body)
    {
        long smallest = long.MaxValue;
        for (int attempt = 0; attempt < attempts && smallest > 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            body();
            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return smallest;
    }
}
