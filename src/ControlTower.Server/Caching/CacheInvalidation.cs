using ControlTower.Server.Platform.Persistence;
using Microsoft.Extensions.Caching.Hybrid;
using Npgsql;
using StackExchange.Redis;

namespace ControlTower.Server.Caching;

/// <summary>
/// Carries "drop this key" to the other processes: over Redis pub/sub when Redis is configured, else over PostgreSQL
/// <c>NOTIFY controltower_cache</c> (received by <see cref="Runs.PostgresRunNotifications"/>, the engine's listener),
/// else nowhere (SQLite: one process). A message lost to an outage leaves another process's copy at most
/// <c>CACHE_TTL</c> old; after a Redis outage every in-process entry is dropped, since messages may have been missed.
/// </summary>
internal sealed partial class CacheInvalidation(
    HybridCache cache,
    DatabaseConnection database,
    ILogger<CacheInvalidation> logger,
    RedisConnection? redis = null)
{
    public const string PostgresChannel = "controltower_cache";
    public static readonly RedisChannel RedisChannel = RedisChannel.Literal("controltower:cache-invalidation");

    private int _subscribed;

    public string Transport => redis is not null ? "redis" : database.Provider == DatabaseProvider.PostgreSql ? "postgresql" : "none";

    /// <summary>
    /// Several processes may share the database but nothing carries invalidations between them (MySQL without Redis):
    /// entries then live <see cref="UncarriedLifetime"/> at most, as the node-type switches' old one-second poll did.
    /// </summary>
    public bool Uncarried => redis is null && database.Provider == DatabaseProvider.MySql;

    public static readonly TimeSpan UncarriedLifetime = TimeSpan.FromSeconds(1);

    public async Task PublishAsync(string key, CancellationToken cancellationToken)
    {
        if (redis is not null)
        {
            await PublishToRedisAsync(redis, key);
        }
        else if (database.Provider == DatabaseProvider.PostgreSql)
        {
            await NotifyPostgresAsync(key, cancellationToken);
        }
    }

    /// <summary>
    /// Raised for every key received (this process's own publications included), for in-process caches kept outside
    /// <see cref="SharedCache"/> (the MCP server registry).
    /// </summary>
    public event Action<string>? Received;

    /// <summary>Another process changed what <paramref name="key"/> holds: drop this process's copy.</summary>
    public void Receive(string key)
    {
        Received?.Invoke(key);
        var removal = cache.RemoveAsync(key);
        if (!removal.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(removal.AsTask());
        }
    }

    /// <summary>Subscribes to the Redis channel now, or when Redis first answers (then the library keeps it across reconnects).</summary>
    public async Task SubscribeAsync()
    {
        if (redis is null || Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return;
        }

        try
        {
            await redis.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel, (_, message) =>
            {
                if (message.HasValue)
                {
                    Receive(message.ToString());
                }
            });
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException)
        {
            Interlocked.Exchange(ref _subscribed, 0);
            redis.ReportFailure(failure);
        }
    }

    /// <summary>After an outage: what was published meanwhile is lost, so nothing kept here is trusted.</summary>
    public async Task DropEverythingAsync()
    {
        await cache.RemoveByTagAsync(SharedCache.AllTag);
        await SubscribeAsync();
    }

    private async Task PublishToRedisAsync(RedisConnection connection, string key)
    {
        if (!connection.IsConnected)
        {
            return;
        }

        try
        {
            await connection.Multiplexer.GetSubscriber().PublishAsync(RedisChannel, key);
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException)
        {
            connection.ReportFailure(failure);
        }
    }

    private async Task NotifyPostgresAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @key)", connection);
            command.Parameters.AddWithValue("channel", PostgresChannel);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException failure)
        {
            Log.NotifyFailed(logger, key, failure);
        }
    }

    private async Task ObserveAsync(Task removal)
    {
        try
        {
            await removal;
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException or InvalidOperationException)
        {
            Log.RemoveFailed(logger, failure);
        }
    }
}

/// <summary>Subscribes at start, and again (dropping every in-process entry) each time Redis comes back.</summary>
internal sealed class CacheInvalidationListener(CacheInvalidation invalidation, RedisConnection? redis = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis is null)
        {
            return;
        }

        redis.Restored += () => _ = invalidation.DropEverythingAsync();
        await invalidation.SubscribeAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
