using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace ControlTower.Server.Caching;

/// <summary>
/// <c>CACHE_BACKEND</c>: <c>memory</c> (default: the in-process level only) or <c>redis</c> (an in-process first level
/// and Redis as the shared second level, cross-process invalidation and shared rate limits), which needs
/// <c>REDIS_URL</c>. <c>CACHE_TTL</c>: seconds an entry is kept when nothing invalidates it first.
/// </summary>
internal sealed class CacheOptions : IValidatableObject
{
    public const string Memory = "memory";
    public const string Redis = "redis";

    [ConfigurationKeyName("CACHE_BACKEND")]
    public string Backend { get; set; } = Memory;

    /// <summary><c>redis://[user:password@]host[:port][/database]</c>, <c>rediss://</c> for TLS, or a StackExchange.Redis configuration string.</summary>
    [ConfigurationKeyName("REDIS_URL")]
    public string? RedisUrl { get; set; }

    [ConfigurationKeyName("CACHE_TTL")]
    [Range(1, 86_400)]
    public int TtlSeconds { get; set; } = 300;

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    public bool UsesRedis => string.Equals(Backend?.Trim(), Redis, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var backend = Backend?.Trim();
        if (!string.Equals(backend, Memory, StringComparison.OrdinalIgnoreCase) && !UsesRedis)
        {
            yield return new ValidationResult($"CACHE_BACKEND must be '{Memory}' or '{Redis}', not '{backend}'.", [nameof(Backend)]);
        }
        else if (UsesRedis && string.IsNullOrWhiteSpace(RedisUrl))
        {
            yield return new ValidationResult("CACHE_BACKEND=redis needs REDIS_URL (for example redis://127.0.0.1:6379).", [nameof(RedisUrl)]);
        }
        else if (UsesRedis && RedisAddress.TryParse(RedisUrl!) is null)
        {
            yield return new ValidationResult("REDIS_URL is not a redis:// or rediss:// URL nor a Redis configuration string.", [nameof(RedisUrl)]);
        }
    }
}

/// <summary>Turns <c>REDIS_URL</c> into StackExchange.Redis options; the password never leaves them.</summary>
internal static class RedisAddress
{
    public static ConfigurationOptions? TryParse(string url)
    {
        var trimmed = url.Trim();
        try
        {
            return trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
                ? FromUri(new Uri(trimmed))
                : ConfigurationOptions.Parse(trimmed);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or RedisConnectionException)
        {
            return null;
        }
    }

    private static ConfigurationOptions? FromUri(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo.Length == 2)
        {
            options.User = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null;
            options.Password = Uri.UnescapeDataString(userInfo[1]);
        }
        else if (userInfo[0].Length > 0)
        {
            options.Password = Uri.UnescapeDataString(userInfo[0]);
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, out var database) || database < 0)
            {
                return null;
            }

            options.DefaultDatabase = database;
        }

        return options;
    }
}
