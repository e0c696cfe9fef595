using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace ControlTower.Server.Caching;

/// <summary>
/// Redis as HybridCache's second level, skipped while the connection is down: a read is a miss and a write is
/// dropped at once instead of waiting for a timeout, so an outage costs a request nothing but the shared level.
/// </summary>
internal sealed class DegradingDistributedCache(IDistributedCache redis, RedisConnection connection) : IDistributedCache
{
    public byte[]? Get(string key) => Guard(() => redis.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => GuardAsync(() => redis.GetAsync(key, token), null);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Guard<object?>(() =>
    {
        redis.Set(key, value, options);
        return null;
    });

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        GuardAsync(async () =>
        {
            await redis.SetAsync(key, value, options, token);
            return true;
        }, false);

    public void Refresh(string key) => Guard<object?>(() =>
    {
        redis.Refresh(key);
        return null;
    });

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        GuardAsync(async () =>
        {
            await redis.RefreshAsync(key, token);
            return true;
        }, false);

    public void Remove(string key) => Guard<object?>(() =>
    {
        redis.Remove(key);
        return null;
    });

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        GuardAsync(async () =>
        {
            await redis.RemoveAsync(key, token);
            return true;
        }, false);

    private T? Guard<T>(Func<T?> call)
    {
        if (!connection.IsConnected)
        {
            return default;
        }

        try
        {
            return call();
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException)
        {
            connection.ReportFailure(failure);
            return default;
        }
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> call, T fallback)
    {
        if (!connection.IsConnected)
        {
            return fallback;
        }

        try
        {
            return await call();
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException)
        {
            connection.ReportFailure(failure);
            return fallback;
        }
    }
}
