using ModelContextProtocol.Client;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Extra secrets for one connection, supplied by the credential vault: environment variables (stdio)
/// or headers (HTTP). <see cref="Key"/> is opaque and names the pool slot; the values are never logged.
/// </summary>
internal sealed record McpCredential(
    string Key,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>One live MCP session of the pool. Many calls may run over it at once.</summary>
internal sealed class McpConnection
{
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _catalogRefresh = new(1, 1);
    private long _lastUsedTimestamp;
    private int _activeCalls;
    private volatile string? _endReason;

    public McpConnection(string serverId, string? credentialKey, McpTransportKind transport, McpClient client, McpProgressRouter progress, long catalogGeneration, TimeProvider time)
    {
        CatalogGeneration = catalogGeneration;
        ServerId = serverId;
        CredentialKey = credentialKey;
        Transport = transport;
        Client = client;
        Progress = progress;
        _time = time;
        StartedAt = time.GetUtcNow();
        Touch();
    }

    public string ServerId { get; }

    public string? CredentialKey { get; }

    public McpTransportKind Transport { get; }

    public McpClient Client { get; }

    /// <summary>Routes this session's progress notifications to the calls that asked for them.</summary>
    public McpProgressRouter Progress { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The catalog generation of the definition this connection was made for.</summary>
    public long CatalogGeneration { get; }

    public int ActiveCalls => Volatile.Read(ref _activeCalls);

    public bool IsAlive => _endReason is null && !Client.Completion.IsCompleted;

    /// <summary>Why the connection ended (exit code, stderr tail), once it has.</summary>
    public string? EndReason => _endReason;

    /// <summary>True when the pool closed it (idle, definition changed, disposal) rather than the server going away.</summary>
    public bool ClosedByPool { get; private set; }

    internal SemaphoreSlim CatalogRefresh => _catalogRefresh;

    public TimeSpan IdleFor => _time.GetElapsedTime(Interlocked.Read(ref _lastUsedTimestamp));

    /// <summary>Marks a call in flight until the returned lease is disposed; idle shutdown skips busy connections.</summary>
    public CallLease BeginCall()
    {
        Interlocked.Increment(ref _activeCalls);
        Touch();
        return new CallLease(this);
    }

    internal void MarkEnded(string reason, bool closedByPool)
    {
        ClosedByPool |= closedByPool;
        _endReason ??= reason;
    }

    private void Touch() => Interlocked.Exchange(ref _lastUsedTimestamp, _time.GetTimestamp());

    internal readonly struct CallLease(McpConnection connection) : IDisposable
    {
        public void Dispose()
        {
            connection.Touch();
            Interlocked.Decrement(ref connection._activeCalls);
        }
    }
}
