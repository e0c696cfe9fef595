using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace ControlTower.Server.Caching;

internal static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="SharedCache"/> over HybridCache, Redis as its second level and for shared counters when
    /// <c>CACHE_BACKEND=redis</c>, cross-process invalidation, and the <c>cache</c> health entry.
    /// </summary>
    public static IServiceCollection AddSharedCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CacheOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.Get<CacheOptions>() ?? new CacheOptions();
        services.AddMetrics();
        services.AddHybridCache();
        if (options.UsesRedis && !string.IsNullOrWhiteSpace(options.RedisUrl) && RedisAddress.TryParse(options.RedisUrl) is not null)
        {
            services.AddSingleton<RedisConnection>();
            services.AddSingleton<IDistributedCache>(provider =>
            {
                var connection = provider.GetRequiredService<RedisConnection>();
                var redis = new RedisCache(new RedisCacheOptions
                {
                    InstanceName = "controltower:cache:",
                    ConnectionMultiplexerFactory = () => Task.FromResult(connection.Multiplexer),
                });
                return new DegradingDistributedCache(redis, connection);
            });
        }

        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<CacheInvalidation>();
        services.AddSingleton<SharedCache>();
        services.AddSingleton<SharedCounters>();
        services.AddHostedService<CacheInvalidationListener>();
        services.AddHealthChecks().AddCheck<CacheHealthCheck>("cache", tags: [Operations.ComponentHealthChecks.Tag]);
        return services;
    }
}
