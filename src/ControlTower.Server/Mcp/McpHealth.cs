using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace ControlTower.Server.Mcp;

internal sealed record McpErrorInfo(string Code, string Message, DateTimeOffset At);

/// <summary>What the health endpoint shows for one server.</summary>
internal sealed record McpServerHealth(
    string ServerId,
    string BreakerState,
    DateTimeOffset? LastSuccessAt,
    McpErrorInfo? LastError,
    long Calls,
    long Failures,
    int LiveConnections,
    double? P50Milliseconds,
    double? P99Milliseconds);

/// <summary>Per-server call outcomes and a bounded reservoir of recent call durations.</summary>
internal sealed class McpHealthTracker(IOptions<McpFederationOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ServerState> _servers = new(StringComparer.Ordinal);

    public void RecordSuccess(string serverId, TimeSpan duration)
    {
        var state = State(serverId);
        lock (state)
        {
            state.Calls++;
            state.LastSuccessAt = time.GetUtcNow();
            state.Add(duration.TotalMilliseconds);
        }
    }

    public void RecordFailure(string serverId, string code, string message, TimeSpan? duration)
    {
        var state = State(serverId);
        lock (state)
        {
            state.Calls++;
            state.Failures++;
            state.LastError = new McpErrorInfo(code, message, time.GetUtcNow());
            if (duration is { } d)
            {
                state.Add(d.TotalMilliseconds);
            }
        }
    }

    /// <summary>A connection ended on its own (process exit, stream closed): shown as the last error.</summary>
    public void RecordConnectionLost(string serverId, string message)
    {
        var state = State(serverId);
        lock (state)
        {
            state.LastError = new McpErrorInfo(McpErrorCodes.TransportFailed, message, time.GetUtcNow());
        }
    }

    public McpServerHealth Snapshot(string serverId, CircuitState breaker, int liveConnections)
    {
        var state = State(serverId);
        lock (state)
        {
            var sorted = state.Durations();
            Array.Sort(sorted);
            return new McpServerHealth(
                serverId,
                breaker.ToString(),
                state.LastSuccessAt,
                state.LastError,
                state.Calls,
                state.Failures,
                liveConnections,
                Percentile(sorted, 0.50),
                Percentile(sorted, 0.99));
        }
    }

    public void Forget(string serverId) => _servers.TryRemove(serverId, out _);

    /// <summary>Nearest-rank percentile.</summary>
    internal static double? Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private ServerState State(string serverId) =>
        _servers.GetOrAdd(serverId, static (_, size) => new ServerState(size), Math.Max(1, options.Value.LatencyReservoirSize));

    private sealed class ServerState(int capacity)
    {
        private readonly double[] _ring = new double[capacity];
        private int _count;
        private int _next;

        public long Calls { get; set; }

        public long Failures { get; set; }

        public DateTimeOffset? LastSuccessAt { get; set; }

        public McpErrorInfo? LastError { get; set; }

        public void Add(double milliseconds)
        {
            _ring[_next] = milliseconds;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }

        public double[] Durations() => _ring[.._count];
    }
}
