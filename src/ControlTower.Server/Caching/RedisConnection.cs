using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ControlTower.Server.Caching;

/// <summary>
/// The process's one Redis connection (when <c>CACHE_BACKEND=redis</c>). It never aborts on a failed connect:
/// an unreachable Redis at start or mid-run leaves the connection retrying in the background while every user of it
/// falls back to what this process has alone (the in-process cache level, its own rate-limit counts); a warning is
/// logged on each loss and <see cref="Restored"/> fires when it is back.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private int _lost;

    public RedisConnection(IOptions<CacheOptions> options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var configuration = RedisAddress.TryParse(options.Value.RedisUrl ?? "")
            ?? throw new InvalidOperationException("REDIS_URL was validated at start.");
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 2000;
        configuration.SyncTimeout = 1500;
        configuration.AsyncTimeout = 1500;
        configuration.ClientName = "controltower";
        Multiplexer = ConnectionMultiplexer.Connect(configuration);
        Multiplexer.ConnectionFailed += (_, failure) => MarkLost(failure.FailureType.ToString(), failure.Exception);
        Multiplexer.ConnectionRestored += (_, _) => MarkRestored();
        if (!Multiplexer.IsConnected)
        {
            MarkLost("unreachable at start", null);
        }
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>Fires when the connection is back after a loss: what was published meanwhile was missed.</summary>
    public event Action? Restored;

    /// <summary>Records a failed command (the connection may still look up): logs the loss once until it is restored.</summary>
    public void ReportFailure(Exception failure) => MarkLost("command failed", failure);

    private void MarkLost(string reason, Exception? failure)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            Log.Unavailable(_logger, reason, failure);
        }
    }

    private void MarkRestored()
    {
        if (Multiplexer.IsConnected && Interlocked.Exchange(ref _lost, 0) == 1)
        {
            Log.Restored(_logger);
            Restored?.Invoke();
        }
    }

    public void Dispose() => Multiplexer.Dispose();
}
