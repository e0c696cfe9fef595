namespace ControlTower.Server.Mcp;

/// <summary>Settings of the MCP federation layer (section "Mcp"). Per-server limits live on the definition.</summary>
internal sealed class McpFederationOptions
{
    public const string SectionName = "Mcp";

    /// <summary>A connection unused this long is shut down; the next call starts it again.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle connections are looked for.</summary>
    public TimeSpan IdleSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Start-up plus MCP initialize handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long disposing a stdio connection waits for the process to exit before killing it.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Calls waiting for a bulkhead slot per server beyond which new calls fail with <c>mcp.overloaded</c>.</summary>
    public int MaxQueuedCallsPerServer { get; set; } = 1000;

    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 5;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Extra attempts after a transport failure that is safe to retry.</summary>
    public int TransportRetryAttempts { get; set; } = 2;

    public TimeSpan TransportRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Recent call durations kept per server for the p50/p99 in health.</summary>
    public int LatencyReservoirSize { get; set; } = 512;

    public bool IsValid() =>
        IdleTimeout > TimeSpan.Zero && IdleSweepInterval > TimeSpan.Zero && ConnectTimeout > TimeSpan.Zero
        && ShutdownTimeout >= TimeSpan.Zero && MaxQueuedCallsPerServer >= 0
        && BreakerFailureRatio is > 0 and <= 1 && BreakerMinimumThroughput >= 2
        && BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500) && BreakerBreakDuration >= TimeSpan.FromMilliseconds(500)
        && TransportRetryAttempts is >= 0 and <= 10 && TransportRetryDelay >= TimeSpan.Zero && LatencyReservoirSize >= 1;
}
