using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ControlTower.Server.Caching;

/// <summary>The <c>cache</c> entry of <c>/health</c>: degraded (never unhealthy) while a configured Redis does not answer.</summary>
internal sealed class CacheHealthCheck(CacheInvalidation invalidation, RedisConnection? redis = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["backend"] = redis is null ? CacheOptions.Memory : CacheOptions.Redis,
            ["invalidation"] = invalidation.Transport,
        };
        var result = redis switch
        {
            null => HealthCheckResult.Healthy("in-process cache only", data),
            { IsConnected: true } => HealthCheckResult.Healthy("in-process cache with Redis as the shared level", data),
            _ => HealthCheckResult.Degraded("Redis does not answer: the cache serves from this process's memory and rate limits count per process", data: data),
        };
        return Task.FromResult(result);
    }
}
