using System.Globalization;
using System.Threading.RateLimiting;
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
/// rate limit, and a key's secret part (256 bits) is out of reach of guessing anyway.
/// </summary>
internal sealed class FailedAuthenticationThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly TimeSpan _window;

    public FailedAuthenticationThrottle(IOptions<SecurityOptions> security)
    {
        var limit = security.Value.AuthFailureLimit;
        _window = TimeSpan.FromSeconds(security.Value.AuthFailureWindowSeconds);
        _failures = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(
            client,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = _window, QueueLimit = 0, AutoReplenishment = true }));
    }

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The budget a request with <paramref name="presentedKey"/> counts against: its address and the key's prefix.</summary>
    public static string PartitionOf(HttpContext context, string presentedKey) => $"{ClientOf(context)}|{ApiKeys.ThrottlePrefix(presentedKey)}";

    public void RecordFailure(string client)
    {
        using var lease = _failures.AttemptAcquire(client, 1);
    }

    /// <summary>How long the client must wait, or null while it still has budget.</summary>
    public TimeSpan? RetryAfter(string client)
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
            && throttle.RetryAfter(FailedAuthenticationThrottle.PartitionOf(context, presented)) is { } retryAfter)
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
