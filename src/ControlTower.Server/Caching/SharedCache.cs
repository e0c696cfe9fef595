using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Caching;

/// <summary>
/// What is read often and changes rarely, through <see cref="HybridCache"/>: an in-process level and, with
/// <c>CACHE_BACKEND=redis</c>, Redis as the shared second level. A writer calls <see cref="InvalidateAsync"/> after its
/// change commits: the entry goes here and in Redis at once, and every other process drops its in-process copy when the
/// invalidation reaches it (<see cref="CacheInvalidation"/>). Entries live at most <c>CACHE_TTL</c> either way.
/// </summary>
internal sealed class SharedCache(HybridCache cache, CacheInvalidation invalidation, CacheMetrics metrics, IOptions<CacheOptions> options)
{
    /// <summary>Every entry carries it, so everything can be dropped at once (after missed invalidations).</summary>
    public const string AllTag = "controltower";

    private static readonly string[] Tags = [AllTag];

    /// <summary>The entry under <paramref name="key"/>, loaded by <paramref name="load"/> on a miss at both levels; <paramref name="name"/> labels the metric.</summary>
    public ValueTask<T> GetOrCreateAsync<T>(string name, string key, Func<CancellationToken, ValueTask<T>> load, CancellationToken cancellationToken)
    {
        var lifetime = invalidation.Uncarried && options.Value.Ttl > CacheInvalidation.UncarriedLifetime ? CacheInvalidation.UncarriedLifetime : options.Value.Ttl;
        var entry = new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime };
        return cache.GetOrCreateAsync(key, (load, name, metrics), static (state, ct) =>
        {
            state.metrics.Loaded(state.name);
            return state.load(ct);
        }, entry, Tags, cancellationToken);
    }

    /// <summary>Drops the entry here and in Redis, and tells the other processes to drop theirs.</summary>
    public async Task InvalidateAsync(string key, CancellationToken cancellationToken)
    {
        await cache.RemoveAsync(key, cancellationToken);
        await invalidation.PublishAsync(key, cancellationToken);
    }

    /// <summary>Drops the entry in this process (and Redis) only: this process found it out of date.</summary>
    public ValueTask ForgetAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, cancellationToken);
}

/// <summary><c>controltower.cache.loads</c>: misses at both levels, by cache; a per-process count tests read too.</summary>
internal sealed class CacheMetrics
{
    public const string MeterName = "ControlTower.Cache";

    private readonly Counter<long> _loads;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public CacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _loads = meter.CreateCounter<long>("controltower.cache.loads", description: "Cache entries loaded from the database (a miss at both levels), by cache.");
    }

    public void Loaded(string name)
    {
        _counts.AddOrUpdate(name, 1, (_, count) => count + 1);
        _loads.Add(1, new KeyValuePair<string, object?>("cache", name));
    }

    /// <summary>How many times this process loaded <paramref name="name"/> since it started.</summary>
    public long Loads(string name) => _counts.GetValueOrDefault(name);
}
