using System.Threading.RateLimiting;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;

namespace ControlTower.Server.Identity;

/// <summary>
/// A fixed window of requests per minute per user, across all of the user's keys and tokens (so minting more keys buys
/// no more requests); anonymous requests go by client address. With Redis (<c>CACHE_BACKEND=redis</c>) every process
/// counts in the same window; without it, or while it is down, each alone. Not ASP.NET Core's <c>UseRateLimiter</c>: its
/// middleware builds an endpoint limiter of its own that it never disposes (nor the global one), and their replenishing
/// timers would keep a stopped host reachable for the rest of the process; this limiter is the container's, disposed with it.
/// </summary>
internal static class RequestRateLimiting
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddRequestRateLimiting(this IServiceCollection services, SecurityOptions security)
    {
        services.AddSingleton(_ => new RequestRateLimiter(Create(security)));
        return services;
    }

    private static PartitionedRateLimiter<HttpContext> Create(SecurityOptions security) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (context.Request.Path.StartsWithSegments("/health"))
            {
                return RateLimitPartition.GetNoLimiter("health");
            }

            var key = context.User.RateLimitKey() ?? "address:" + FailedAuthenticationThrottle.ClientOf(context);
            var counters = context.RequestServices.GetRequiredService<SharedCounters>();
            return RateLimitPartition.Get(key, partition => new SharedFixedWindowRateLimiter(
                "requests:" + partition, security.RequestsPerMinute, Window, counters, new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
                {
                    PermitLimit = security.RequestsPerMinute,
                    Window = Window,
                    QueueLimit = 0,
                })));
        });
}

/// <summary>The per-user request limiter, owned by the container (disposed with the host).</summary>
internal sealed class RequestRateLimiter(PartitionedRateLimiter<HttpContext> limiter) : IDisposable
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = limiter;

    public void Dispose() => Limiter.Dispose();
}

/// <summary>Lets a request through when its user's window has a permit; otherwise 429 with Retry-After as a ProblemDetails.</summary>
internal sealed class RequestRateLimitingMiddleware(RequestDelegate next, RequestRateLimiter requests)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        using var lease = await AcquireAsync(context);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var value) ? value : TimeSpan.FromMinutes(1);
        await RateLimitProblems.WriteAsync(context, problems, retryAfter, ErrorCodes.RateLimited,
            "This user has sent too many requests (all of its keys together); slow down.");
    }

    /// <summary>The synchronous attempt first; a limiter that counts elsewhere (Redis) declines it and is asked asynchronously.</summary>
    private async ValueTask<RateLimitLease> AcquireAsync(HttpContext context)
    {
        var attempt = requests.Limiter.AttemptAcquire(context);
        if (attempt.IsAcquired)
        {
            return attempt;
        }

        attempt.Dispose();
        return await requests.Limiter.AcquireAsync(context, 1, context.RequestAborted);
    }
}
