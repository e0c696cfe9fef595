using StackExchange.Redis;

namespace ControlTower.Server.Caching;

/// <summary>A fixed window's count as every process sees it, and how long until the window ends.</summary>
internal readonly record struct WindowCount(long Count, TimeSpan ResetIn);

/// <summary>
/// Fixed-window counters in Redis that every process adds to (rate limits, the auth-failure throttle). A window starts
/// with its first count and ends <c>window</c> later. Null means "count alone": no Redis configured, or it is down.
/// </summary>
internal sealed class SharedCounters(RedisConnection? redis = null)
{
    private const string Prefix = "controltower:window:";

    private static readonly LuaScript Increment = LuaScript.Prepare("""
        local count = redis.call('INCRBY', @key, @by)
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
          redis.call('PEXPIRE', @key, @window)
          ttl = tonumber(@window)
        end
        return { count, ttl }
        """);

    private static readonly LuaScript Peek = LuaScript.Prepare("""
        local count = tonumber(redis.call('GET', @key) or '0')
        return { count, redis.call('PTTL', @key) }
        """);

    /// <summary>Whether counts are shared right now.</summary>
    public bool Available => redis is { IsConnected: true };

    public Task<WindowCount?> AddAsync(string key, long by, TimeSpan window) =>
        EvaluateAsync(Increment, new { key = (RedisKey)(Prefix + key), by, window = (long)window.TotalMilliseconds });

    public Task<WindowCount?> ReadAsync(string key) => EvaluateAsync(Peek, new { key = (RedisKey)(Prefix + key) });

    private async Task<WindowCount?> EvaluateAsync(LuaScript script, object parameters)
    {
        if (redis is not { IsConnected: true } connection)
        {
            return null;
        }

        try
        {
            var result = (RedisResult[])(await connection.Multiplexer.GetDatabase().ScriptEvaluateAsync(script, parameters))!;
            var ttl = (long)result[1];
            return new WindowCount((long)result[0], TimeSpan.FromMilliseconds(Math.Max(0, ttl)));
        }
        catch (Exception failure) when (failure is RedisException or RedisTimeoutException)
        {
            connection.ReportFailure(failure);
            return null;
        }
    }
}
