using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Runs;

internal sealed class LoadSheddingOptions
{
    /// <summary>Due engine tasks (ready, running or retrying now) above which new run starts and webhook deliveries get 503.</summary>
    [ConfigurationKeyName("SHED_QUEUE_DEPTH")]
    [Range(1, 100_000_000)]
    public int QueueDepth { get; set; } = 10_000;

    /// <summary>Run starts and webhook deliveries in progress at once above which the next one gets 503.</summary>
    [ConfigurationKeyName("SHED_MAX_CONCURRENT_STARTS")]
    [Range(1, 100_000)]
    public int MaxConcurrentStarts { get; set; } = 32;

    /// <summary>The <c>Retry-After</c> a shed request is told.</summary>
    [ConfigurationKeyName("SHED_RETRY_AFTER_SECONDS")]
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>How old the queue-depth sample may be before a request refreshes it (0: every request).</summary>
    [ConfigurationKeyName("SHED_QUEUE_SAMPLE_MILLISECONDS")]
    [Range(0, 60_000)]
    public int QueueSampleMilliseconds { get; set; } = 1000;
}

/// <summary>Stable codes of load shedding.</summary>
internal static class LoadSheddingErrorCodes
{
    /// <summary>The engine is saturated (queue depth or starts in progress past the configured limit); retry after <c>Retry-After</c>.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string Overloaded = "engine.overloaded";
}

/// <summary>Endpoint metadata: this endpoint starts engine work and is refused first when the engine is saturated.</summary>
internal sealed class ShedsUnderLoad
{
    public static readonly ShedsUnderLoad Instance = new();
}

/// <summary>
/// How loaded the engine is: the due tasks in the shared queue (sampled, at most one query at a time, so a slow
/// database is asked once and everyone else reads the last sample), and the run starts in progress in this process.
/// </summary>
internal sealed class EngineLoad(IDbContextFactory<ControlTowerDbContext> contexts, IOptions<LoadSheddingOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private long _sampledAt; // 0: never sampled
    private int _queueDepth;
    private int _inProgress;

    public int InProgress => Volatile.Read(ref _inProgress);

    public int Enter() => Interlocked.Increment(ref _inProgress);

    public void Leave() => Interlocked.Decrement(ref _inProgress);

    public async Task<int> QueueDepthAsync(CancellationToken cancellationToken)
    {
        var maxAge = TimeSpan.FromMilliseconds(options.Value.QueueSampleMilliseconds);
        var sampledAt = Volatile.Read(ref _sampledAt);
        if ((sampledAt != 0 && time.GetElapsedTime(sampledAt) < maxAge) || !await _sampling.WaitAsync(0, cancellationToken))
        {
            return Volatile.Read(ref _queueDepth);
        }

        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            Volatile.Write(ref _queueDepth, await db.Set<RunTaskEntity>().CountAsync(t => t.DueAt <= now, cancellationToken));
            Volatile.Write(ref _sampledAt, time.GetTimestamp());
            return _queueDepth;
        }
        finally
        {
            _sampling.Release();
        }
    }
}

/// <summary>
/// Load shedding for the endpoints marked <see cref="ShedsUnderLoad"/> (run starts, webhook deliveries): past the
/// configured queue depth or number of starts in progress they answer 503 <c>engine.overloaded</c> with
/// <c>Retry-After</c> at once, instead of queueing behind a saturated engine and database.
/// </summary>
internal sealed class LoadSheddingMiddleware(RequestDelegate next, EngineLoad load, IOptions<LoadSheddingOptions> options, PlatformMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ShedsUnderLoad>() is null)
        {
            await next(context);
            return;
        }

        try
        {
            var settings = options.Value;
            if (load.Enter() > settings.MaxConcurrentStarts)
            {
                await RefuseAsync(context, problems, $"{settings.MaxConcurrentStarts} run starts are in progress already (SHED_MAX_CONCURRENT_STARTS).");
                return;
            }

            var depth = await load.QueueDepthAsync(context.RequestAborted);
            if (depth > settings.QueueDepth)
            {
                await RefuseAsync(context, problems, $"The engine has {depth} due tasks queued, more than {settings.QueueDepth} (SHED_QUEUE_DEPTH).");
                return;
            }

            await next(context);
        }
        finally
        {
            load.Leave();
        }
    }

    private async Task RefuseAsync(HttpContext context, IProblemDetailsService problems, string why)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The engine is overloaded",
            Detail = $"{why} Try again after the Retry-After delay.",
        };
        problem.Extensions["code"] = LoadSheddingErrorCodes.Overloaded;
        metrics.RecordError(LoadSheddingErrorCodes.Overloaded);
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}

internal static class LoadSheddingExtensions
{
    public static IServiceCollection AddLoadShedding(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LoadSheddingOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EngineLoad>();
        return services;
    }

    /// <summary>Marks an endpoint as one that starts engine work (see <see cref="LoadSheddingMiddleware"/>).</summary>
    public static TBuilder ShedsUnderLoad<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Runs.ShedsUnderLoad.Instance);
}
