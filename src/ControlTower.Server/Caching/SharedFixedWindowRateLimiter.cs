using System.Threading.RateLimiting;

namespace ControlTower.Server.Caching;

/// <summary>
/// A fixed window counted in Redis by every process (<see cref="SharedCounters"/>), so one process's requests count
/// against the others' limit. While Redis is down it counts alone, with the same limit, in <paramref name="local"/>.
/// </summary>
internal sealed class SharedFixedWindowRateLimiter(string key, int permitLimit, TimeSpan window, SharedCounters counters, RateLimiter local) : RateLimiter
{
    public override TimeSpan? IdleDuration => local.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

    /// <summary>Counting in Redis is I/O: fail the synchronous attempt so the request limiter asks <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        counters.Available ? SharedLease.Pending : local.AttemptAcquire(permitCount);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (await counters.AddAsync(key, permitCount, window) is not { } shared)
        {
            return await local.AcquireAsync(permitCount, cancellationToken);
        }

        return shared.Count <= permitLimit ? SharedLease.Acquired : SharedLease.Rejected(shared.ResetIn);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            local.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore() => await local.DisposeAsync();

    private sealed class SharedLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly SharedLease Acquired = new(true, null);
        public static readonly SharedLease Pending = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static SharedLease Rejected(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
