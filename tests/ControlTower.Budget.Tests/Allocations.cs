namespace ControlTower.Budget.Tests;

internal static class Allocations
{
    private const int Warmup = 200;
    private const int Measured = 2_000;

    /// <summary>Mean bytes one call allocates on the calling thread, after a warm-up (JIT, caches).</summary>
    public static double PerCallOnThisThread<T>(Func<T> call)
    {
        for (var i = 0; i < Warmup; i++)
        {
            call();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            call();
        }

        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Measured;
    }

    /// <summary>Bytes the whole process allocated while <paramref name="work"/> ran (for work that hops threads).</summary>
    public static async Task<long> WholeProcessAsync(Func<Task> work)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await work();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }
}
