using System.Globalization;
using System.Threading.RateLimiting;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

/// <summary>
/// Counts failed authentications per client address <em>and</em> presented key prefix in a fixed window
/// (10 per 5 minutes by default). Once that pair has used its budget, requests from the address that present
/// a key with the same prefix get 429 with Retry-After until the window resets, so one key cannot be guessed
/// at speed, while a valid key with another prefix (the admin's, a colleague's behind the same NAT) is never
/// locked out by someone else's failures. Guessing across many prefixes is bounded by the per-address request
/// rate limit, and a key's secret part (256 bits) is out of reach of guessing anyway. With Redis
/// (<c>CACHE_BACKEND=redis</c>) every process counts the same failures; without it, or while it is down, each alone.
/// </summary>
internal sealed class FailedAuthenticationThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly SharedCounters _shared;
    private readonly int _limit;
    private readonly TimeSpan _window;

    public FailedAuthenticationThrottle(IOptions<SecurityOptions> security, SharedCounters shared)
    {
        var limit = security.Value.AuthFailureLimit;
        (_shared, _limit) = (shared, limit);
        _window = TimeSpan.FromSeconds(security.Value.AuthFailureWindowSeconds);
        _failures = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(
            client,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = _window, QueueLimit = 0, AutoReplenishment = true }));
    }

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The budget a request with <paramref name="presentedKey"/> counts against: its address and the key's prefix.</summary>
    public static string PartitionOf(HttpContext context, string presentedKey) => $"{ClientOf(context)}|{ApiKeys.ThrottlePrefix(presentedKey)}";

    public async Task RecordFailureAsync(string client)
    {
        if (await _shared.AddAsync(SharedKey(client), 1, _window) is null)
        {
            using var lease = _failures.AttemptAcquire(client, 1);
        }
    }

    /// <summary>How long the client must wait, or null while it still has budget.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string client)
    {
        if (await _shared.ReadAsync(SharedKey(client)) is { } shared)
        {
            return shared.Count >= _limit && shared.ResetIn > TimeSpan.Zero ? shared.ResetIn : null;
        }

        return LocalRetryAfter(client);
    }

    private static string SharedKey(string client) => "auth-failures:" + client;

    private TimeSpan? LocalRetryAfter(string client)
    {
        using var lease = _failures.AttemptAcquire(client, 0);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _window;
    }

    public void Dispose() => _failures.Dispose();
}

/// <summary>Answers 429 before authentication runs for clients that exhausted their failure budget.</summary>
internal sealed class FailedAuthenticationThrottleMiddleware(RequestDelegate next, FailedAuthenticationThrottle throttle)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        if (ApiKeyAuthenticationHandler.ReadKey(context.Request) is { } presented
            && await throttle.RetryAfterAsync(FailedAuthenticationThrottle.PartitionOf(context, presented)) is { } retryAfter)
        {
            await RateLimitProblems.WriteAsync(context, problems, retryAfter, ErrorCodes.TooManyAuthenticationFailures,
                "Too many failed authentications from this client with this key; wait before trying again.");
            return;
        }

        await next(context);
    }
}

internal static class RateLimitProblems
{
    public static async Task WriteAsync(HttpContext context, IProblemDetailsService problems, TimeSpan retryAfter, string code, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail };
        problem.Extensions["code"] = code;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
