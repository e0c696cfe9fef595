using System.Threading.RateLimiting;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.AspNetCore.RateLimiting;

namespace ControlTower.Server.Identity;

/// <summary>
/// ASP.NET Core's rate limiter: a fixed window of requests per minute per user, across all of the user's keys
/// and tokens (so minting more keys buys no more requests); anonymous requests go by client address. With Redis
/// (<c>CACHE_BACKEND=redis</c>) every process counts in the same window; without it, or while it is down, each alone.
/// </summary>
internal static class RequestRateLimiting
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddRequestRateLimiting(this IServiceCollection services, SecurityOptions security)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
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
            options.OnRejected = (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var value) ? value : TimeSpan.FromMinutes(1);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                return new ValueTask(RateLimitProblems.WriteAsync(context.HttpContext, problems, retryAfter, ErrorCodes.RateLimited,
                    "This user has sent too many requests (all of its keys together); slow down."));
            };
        });
        return services;
    }
}
