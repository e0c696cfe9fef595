using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelCompileCacheTests
{
    [Fact]
    public void GetOrCompile_WhenSameSource_ReturnsSameProgram()
    {
        var cache = new CelCompileCache(capacity: 4);

        Assert.Same(cache.GetOrCompile("1 + 2"), cache.GetOrCompile("1 + 2"));
    }

    [Fact]
    public void GetOrCompile_WhenOverCapacity_EvictsLeastRecentlyUsed()
    {
        var cache = new CelCompileCache(capacity: 2);
        var first = cache.GetOrCompile("1");
        cache.GetOrCompile("2");
        cache.GetOrCompile("1");
        cache.GetOrCompile("3");

        Assert.Equal(2, cache.Count);
        Assert.Same(first, cache.GetOrCompile("1"));
    }

    [Fact]
    public void GetOrCompile_WhenUsedFromManyThreads_StaysBounded()
    {
        var cache = new CelCompileCache(capacity: 16);

        Parallel.For(0, 500, i => Assert.Equal(i % 40, (long)cache.GetOrCompile($"{i % 40}").Evaluate([])!.GetValue<long>()));

        Assert.True(cache.Count <= 16);
    }

    [Fact]
    public void GetOrCompile_WhenInvalid_ThrowsAndDoesNotCache()
    {
        var cache = new CelCompileCache();

        Assert.Throws<CelException>(() => cache.GetOrCompile("1 +"));
        Assert.Equal(0, cache.Count);
    }
}
