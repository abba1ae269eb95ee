namespace PcapResetInspector.Core.Tests;

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
