using System.Collections.Concurrent;
using ControlTower.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Per-server guards: a bulkhead (concurrent calls, bounded queue), and a Polly pipeline of
/// retry (transport failures only) around a circuit breaker (transport failures and timeouts).
/// Tool errors and rejected arguments never trip the breaker: the server is healthy, the call was wrong.
/// </summary>
internal sealed class McpResilience(IOptions<McpFederationOptions> options, TimeProvider time, ILogger<McpResilience> logger)
{
    /// <summary>Set per call: retry even when the request may have reached the server (idempotent tool, opted in).</summary>
    internal static readonly ResiliencePropertyKey<bool> RetryAfterSend = new("controltower.mcp.retry-after-send");

    internal static readonly ResiliencePropertyKey<string> ToolName = new("controltower.mcp.tool");

    private readonly ConcurrentDictionary<string, McpServerGuard> _guards = new(StringComparer.Ordinal);

    public McpServerGuard For(McpServerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var guard = _guards.GetOrAdd(definition.Id, _ => Create(definition));
        if (guard.MaxConcurrentCalls == definition.Limits.MaxConcurrentCalls)
        {
            return guard;
        }

        // The limit changed: later calls use a fresh guard; calls holding slots of the old one finish there.
        var replacement = Create(definition);
        return _guards.TryUpdate(definition.Id, replacement, guard) ? replacement : _guards[definition.Id];
    }

    public CircuitState BreakerState(string serverId) =>
        _guards.TryGetValue(serverId, out var guard) ? guard.Breaker.CircuitState : CircuitState.Closed;

    public void Forget(string serverId) => _guards.TryRemove(serverId, out _);

    private McpServerGuard Create(McpServerDefinition definition)
    {
        var settings = options.Value;
        var breaker = new CircuitBreakerStateProvider();
        var serverId = definition.Id;
        var builder = new ResiliencePipelineBuilder { Name = $"mcp:{serverId}", TimeProvider = time };
        if (settings.TransportRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.TransportRetryAttempts,
                Delay = settings.TransportRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome.Exception, args.Context)),
                OnRetry = args =>
                {
                    logger.CallRetrying(serverId, args.Context.Properties.GetValue(ToolName, ""), args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = settings.BreakerMinimumThroughput,
            SamplingDuration = settings.BreakerSamplingDuration,
            BreakDuration = settings.BreakerBreakDuration,
            StateProvider = breaker,
            ShouldHandle = args => ValueTask.FromResult(IsServerFailure(args.Outcome.Exception)),
            OnOpened = _ => Log(CircuitState.Open),
            OnClosed = _ => Log(CircuitState.Closed),
            OnHalfOpened = _ => Log(CircuitState.HalfOpen),
        });

        return new McpServerGuard(builder.Build(), breaker, definition.Limits.MaxConcurrentCalls, settings.MaxQueuedCallsPerServer);

        ValueTask Log(CircuitState state)
        {
            logger.BreakerStateChanged(serverId, state.ToString());
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// A retry is safe when the request certainly never reached the server (connect failed, session
    /// rejected), or when the caller opted in and the tool declares itself read-only or idempotent.
    /// </summary>
    private static bool IsRetryable(Exception? exception, ResilienceContext context) =>
        exception is McpTransportException transport
        && (!transport.MayHaveReachedServer || context.Properties.GetValue(RetryAfterSend, false));

    private static bool IsServerFailure(Exception? exception) =>
        exception is McpTransportException or ControlTowerException { Code: McpErrorCodes.Timeout };
}

/// <summary>The guards of one server.</summary>
internal sealed class McpServerGuard(ResiliencePipeline pipeline, CircuitBreakerStateProvider breaker, int maxConcurrentCalls, int maxQueuedCalls)
{
    private readonly SemaphoreSlim _slots = new(maxConcurrentCalls, maxConcurrentCalls);
    private int _waiting;

    public ResiliencePipeline Pipeline { get; } = pipeline;

    public CircuitBreakerStateProvider Breaker { get; } = breaker;

    public int MaxConcurrentCalls { get; } = maxConcurrentCalls;

    /// <summary>Waits for a call slot; fails fast with <c>mcp.overloaded</c> when too many calls already wait.</summary>
    public async Task<Slot> EnterAsync(string serverId, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return new Slot(_slots);
        }

        if (Interlocked.Increment(ref _waiting) > maxQueuedCalls)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ControlTowerException(ErrorKind.RateLimited, McpErrorCodes.Overloaded,
                $"MCP server '{serverId}' has {MaxConcurrentCalls} calls running and {maxQueuedCalls} waiting; try again later.");
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Slot(_slots);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    internal readonly struct Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}
