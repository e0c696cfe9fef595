using System.Collections.Concurrent;
using System.ComponentModel;
using ControlTower.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ControlTower.Server.Mcp;

/// <summary>Whether a session could be opened, how long it took, and why not.</summary>
internal sealed record McpProbe(bool Ok, double Milliseconds, string? Error);

/// <summary>
/// One live MCP client per (server, credential key): started on first use, shared by concurrent calls,
/// shut down when idle, and replaced on the next call after its server died. Connecting also fetches
/// the server's catalog, and <c>list_changed</c> notifications refresh it.
/// </summary>
internal sealed class McpConnectionPool : IAsyncDisposable
{
    private const int MaxReasonLength = 2000;

    private readonly ConcurrentDictionary<PoolKey, Lazy<Task<McpConnection>>> _connections = new();
    private readonly McpServerRegistry _registry;
    private readonly McpCatalog _catalog;
    private readonly McpHealthTracker _health;
    private readonly McpMetrics _metrics;
    private readonly McpFederationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<McpConnectionPool> _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ITimer _idleSweep;
    private int _disposed;

    public McpConnectionPool(
        McpServerRegistry registry,
        McpCatalog catalog,
        McpHealthTracker health,
        McpMetrics metrics,
        IOptions<McpFederationOptions> options,
        TimeProvider time,
        ILogger<McpConnectionPool> logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _catalog = catalog;
        _health = health;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _registry.Changed += OnDefinitionChanged;
        _idleSweep = time.CreateTimer(_ => _ = SweepIdleAsync(), null, _options.IdleSweepInterval, _options.IdleSweepInterval);
    }

    /// <summary>Returns a live connection, starting one when needed. Connect failures are <c>mcp.transport_failed</c> that never reached the server.</summary>
    /// <summary>
    /// Opens (or reuses) a session, as a call would, and says whether it worked and how long it took; a server that
    /// cannot be reached is an answer here ("test connection"), not an error.
    /// </summary>
    public async Task<McpProbe> ProbeAsync(string serverId, McpCredential? credential, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            await GetAsync(serverId, credential, cancellationToken).ConfigureAwait(false);
            return new McpProbe(true, _time.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (ControlTowerException ex) when (ex.Kind is ErrorKind.Unavailable or ErrorKind.Timeout)
        {
            return new McpProbe(false, _time.GetElapsedTime(started).TotalMilliseconds, ex.Message);
        }
    }

    public async Task<McpConnection> GetAsync(string serverId, McpCredential? credential, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var definition = _registry.Require(serverId);
            if (!definition.Enabled)
            {
                throw new ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.ServerDisabled, $"MCP server '{serverId}' is disabled.");
            }

            var key = new PoolKey(serverId, credential?.Key ?? "");
            var entry = _connections.TryGetValue(key, out var existing)
                ? existing
                : _connections.GetOrAdd(key, _ => new Lazy<Task<McpConnection>>(() => StartAsync(definition, credential)));
            McpConnection connection;
            try
            {
                connection = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (entry.Value.IsFaulted || entry.Value.IsCanceled)
            {
                // A failed start is not cached: the next call tries again.
                _connections.TryRemove(KeyValuePair.Create(key, entry));
                throw;
            }

            if (connection.IsAlive)
            {
                return connection;
            }

            // Died since it was cached (its watcher may not have run yet): drop it and start another.
            _connections.TryRemove(KeyValuePair.Create(key, entry));
        }
    }

    /// <summary>Live connections of a server (all credentials).</summary>
    public int LiveConnections(string serverId) =>
        _connections.Count(pair => pair.Key.ServerId == serverId && pair.Value.IsValueCreated
            && pair.Value.Value.IsCompletedSuccessfully && pair.Value.Value.Result.IsAlive);

    /// <summary>Drops a connection after a transport failure so the next call starts a fresh one.</summary>
    public async Task EvictAsync(McpConnection connection, string reason)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var key = new PoolKey(connection.ServerId, connection.CredentialKey ?? "");
        if (_connections.TryGetValue(key, out var entry) && entry.IsValueCreated
            && entry.Value.IsCompletedSuccessfully && ReferenceEquals(entry.Value.Result, connection))
        {
            _connections.TryRemove(KeyValuePair.Create(key, entry));
        }

        connection.MarkEnded(reason, closedByPool: false);
        await connection.Client.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every connection of a server (its definition changed or it was removed).</summary>
    public async Task CloseServerAsync(string serverId)
    {
        var closing = _connections.Where(pair => pair.Key.ServerId == serverId).ToArray();
        foreach (var (key, entry) in closing)
        {
            if (_connections.TryRemove(KeyValuePair.Create(key, entry)))
            {
                await CloseEntryAsync(entry, "definition changed").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Shuts down connections with no call in flight for longer than the idle timeout.</summary>
    internal async Task SweepIdleAsync()
    {
        foreach (var (key, entry) in _connections.ToArray())
        {
            if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully
                && entry.Value.Result is { ActiveCalls: 0 } connection && connection.IdleFor >= _options.IdleTimeout
                && _connections.TryRemove(KeyValuePair.Create(key, entry)))
            {
                _logger.ConnectionIdleClosed(key.ServerId, connection.IdleFor.TotalSeconds);
                await CloseEntryAsync(entry, "idle").ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _registry.Changed -= OnDefinitionChanged;
        await _idleSweep.DisposeAsync().ConfigureAwait(false);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        var entries = _connections.Values.ToArray();
        _connections.Clear();
        await Task.WhenAll(entries.Select(e => CloseEntryAsync(e, "pool disposed"))).ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private async Task CloseEntryAsync(Lazy<Task<McpConnection>> entry, string reason)
    {
        if (!entry.IsValueCreated)
        {
            return;
        }

        McpConnection connection;
        try
        {
            connection = await entry.Value.ConfigureAwait(false);
        }
        catch (ControlTowerException)
        {
            return; // Never connected: nothing to close.
        }
        catch (OperationCanceledException)
        {
            return;
        }

        connection.MarkEnded(reason, closedByPool: true);
        await connection.Client.DisposeAsync().ConfigureAwait(false);
    }

    private void OnDefinitionChanged(string serverId)
    {
        _catalog.Forget(serverId);
        _ = CloseServerAsync(serverId);
    }

    private async Task<McpConnection> StartAsync(McpServerDefinition definition, McpCredential? credential)
    {
        var started = _time.GetTimestamp();
        var generation = _catalog.Generation(definition.Id);
        _logger.ConnectionStarting(definition.Id, definition.Transport);
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _lifetime.Token);
        McpClient? client = null;
        try
        {
            var progress = new McpProgressRouter();
            client = await ConnectAsync(definition, credential, progress, linked.Token).ConfigureAwait(false);
            var connection = new McpConnection(definition.Id, credential?.Key, definition.Transport, client, progress, generation, _time);
            RegisterListChanged(connection);
            await RefreshCatalogAsync(connection, linked.Token).ConfigureAwait(false);
            _ = WatchAsync(connection);
            _metrics.ConnectionStarted(definition.Id);
            _logger.ConnectionStarted(definition.Id, _time.GetElapsedTime(started).TotalMilliseconds);
            return connection;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
            throw Failed(definition.Id, $"connecting timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s", ex);
        }
        catch (Exception ex) when (ex is McpException or IOException or HttpRequestException or Win32Exception or InvalidOperationException or System.Text.Json.JsonException)
        {
            var reason = client is null ? Describe(ex) : await DescribeEndAsync(client, ex).ConfigureAwait(false);
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
            throw Failed(definition.Id, reason, ex);
        }
    }

    private McpTransportException Failed(string serverId, string reason, Exception inner)
    {
        var message = $"Could not connect to MCP server '{serverId}': {reason}";
        _logger.ConnectFailed(serverId, inner.GetType().Name);
        _health.RecordConnectionLost(serverId, message);
        return new McpTransportException(message, mayHaveReachedServer: false, inner);
    }

    /// <summary>
    /// Connects with the SDK's negotiation (it probes the newest revision with <c>server/discover</c>, then falls
    /// back to <c>initialize</c>). Some servers answer unknown methods with an empty result instead of an error,
    /// which breaks the probe with a JSON error: those get the <c>initialize</c> handshake of <see cref="HandshakeVersion"/>.
    /// </summary>
    private async Task<McpClient> ConnectAsync(
        McpServerDefinition definition, McpCredential? credential, McpProgressRouter progress, CancellationToken cancellationToken)
    {
        try
        {
            return await McpClient.CreateAsync(CreateTransport(definition, credential, progress), ClientOptions(null), NullLoggerFactory.Instance, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException) when (!cancellationToken.IsCancellationRequested)
        {
            return await McpClient.CreateAsync(CreateTransport(definition, credential, progress), ClientOptions(HandshakeVersion), NullLoggerFactory.Instance, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>The newest revision with the <c>initialize</c> handshake.</summary>
    private const string HandshakeVersion = "2025-11-25";

    private static McpClientOptions ClientOptions(string? protocolVersion) => new()
    {
        ClientInfo = new Implementation { Name = "controltower", Version = typeof(McpConnectionPool).Assembly.GetName().Version?.ToString() ?? "1.0.0" },
        ProtocolVersion = protocolVersion,
    };

    private IClientTransport CreateTransport(McpServerDefinition definition, McpCredential? credential, McpProgressRouter progress) =>
        new ProgressObservingTransport(CreateSdkTransport(definition, credential), progress);

    private IClientTransport CreateSdkTransport(McpServerDefinition definition, McpCredential? credential)
    {
        if (definition.Transport is McpTransportKind.Stdio)
        {
            // The child gets a curated environment (PATH, HOME, ...), not this host's: the host's
            // variables hold its own secrets (database, keys) that a tool server must not see.
            var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
            Merge(environment, definition.Environment);
            Merge(environment, credential?.Environment);
            return new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = definition.Id,
                Command = definition.Command!,
                Arguments = [.. definition.Arguments],
                WorkingDirectory = definition.WorkingDirectory,
                InheritEnvironmentVariables = false,
                EnvironmentVariables = environment,
                ShutdownTimeout = _options.ShutdownTimeout,
            }, NullLoggerFactory.Instance);
        }

        var headers = new Dictionary<string, string>(definition.Headers, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in credential?.Headers ?? new Dictionary<string, string>())
        {
            headers[name] = value;
        }

        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = definition.Id,
            Endpoint = definition.Url!,
            TransportMode = definition.Transport is McpTransportKind.Sse ? HttpTransportMode.Sse : HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
            ConnectionTimeout = _options.ConnectTimeout,
        }, NullLoggerFactory.Instance);
    }

    private static void Merge(IDictionary<string, string?> target, IReadOnlyDictionary<string, string>? source)
    {
        foreach (var (name, value) in source ?? new Dictionary<string, string>())
        {
            target[name] = value;
        }
    }

    private void RegisterListChanged(McpConnection connection)
    {
        foreach (var method in new[]
                 {
                     NotificationMethods.ToolListChangedNotification,
                     NotificationMethods.ResourceListChangedNotification,
                     NotificationMethods.PromptListChangedNotification,
                 })
        {
            // The registration lives as long as the client; disposing the client drops it.
            _ = connection.Client.RegisterNotificationHandler(method, (_, _) =>
            {
                _ = RefreshCatalogInBackgroundAsync(connection);
                return ValueTask.CompletedTask;
            });
        }
    }

    private async Task RefreshCatalogInBackgroundAsync(McpConnection connection)
    {
        try
        {
            await RefreshCatalogAsync(connection, _lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pool is shutting down.
        }
        catch (Exception ex) when (IsTransportFailure(ex) || ex is ObjectDisposedException)
        {
            _logger.CatalogRefreshFailed(connection.ServerId, ex.GetType().Name);
        }
    }

    private async Task RefreshCatalogAsync(McpConnection connection, CancellationToken cancellationToken)
    {
        // One refresh at a time per connection, so snapshots are published in the order they were fetched.
        await connection.CatalogRefresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await _catalog.RefreshAsync(connection.ServerId, connection.CatalogGeneration, connection.Client, cancellationToken).ConfigureAwait(false);
            _logger.CatalogRefreshed(connection.ServerId, snapshot.Version, snapshot.Tools.Count, snapshot.Hash);
        }
        finally
        {
            connection.CatalogRefresh.Release();
        }
    }

    private async Task WatchAsync(McpConnection connection)
    {
        var details = await connection.Client.Completion.ConfigureAwait(false);
        connection.MarkEnded(Describe(details), closedByPool: false);
        var key = new PoolKey(connection.ServerId, connection.CredentialKey ?? "");
        if (_connections.TryGetValue(key, out var entry) && entry.IsValueCreated
            && entry.Value.IsCompletedSuccessfully && ReferenceEquals(entry.Value.Result, connection))
        {
            _connections.TryRemove(KeyValuePair.Create(key, entry));
        }

        if (!connection.ClosedByPool)
        {
            _metrics.ConnectionLost(connection.ServerId);
            _health.RecordConnectionLost(connection.ServerId, $"MCP server '{connection.ServerId}' connection ended: {connection.EndReason}");
            _logger.ConnectionLost(connection.ServerId, (details as StdioClientCompletionDetails)?.ExitCode);
        }
    }

    /// <summary>The end of a connection that failed while connecting, with exit code and stderr tail when it has ended.</summary>
    private static async Task<string> DescribeEndAsync(McpClient client, Exception ex)
    {
        var ended = await Task.WhenAny(client.Completion, Task.Delay(TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
        return ended == client.Completion ? Describe(client.Completion.Result) : Describe(ex);
    }

    /// <summary>Exit code and stderr tail of a stdio server, or the HTTP status; trimmed to a bounded length.</summary>
    internal static string Describe(ClientCompletionDetails details)
    {
        var text = details switch
        {
            StdioClientCompletionDetails stdio =>
                $"process exited with code {stdio.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}"
                + (stdio.StandardErrorTail is { Count: > 0 } tail ? $"; stderr tail: {string.Join(" | ", tail)}" : ""),
            HttpClientCompletionDetails http => $"HTTP session ended{(http.HttpStatusCode is { } status ? $" with status {(int)status}" : "")}"
                + (http.Exception is { } e ? $": {e.Message}" : ""),
            _ => details.Exception?.Message ?? "connection closed",
        };
        return Trim(text);
    }

    /// <summary>A failure's cause; a closed stdio transport reports its exit code and stderr tail.</summary>
    internal static string Describe(Exception ex)
    {
        for (var current = ex; current is not null; current = current.InnerException)
        {
            if (current is ClientTransportClosedException closed)
            {
                return Describe(closed.Details);
            }
        }

        return Trim($"{ex.GetType().Name}: {ex.Message}");
    }

    private static string Trim(string text) => text.Length <= MaxReasonLength ? text : string.Concat(text.AsSpan(0, MaxReasonLength), "…");

    /// <summary>Failures of the connection itself, as opposed to the server answering with an error.</summary>
    internal static bool IsTransportFailure(Exception ex) =>
        ex is IOException or HttpRequestException or (McpException and not McpProtocolException);

    private static async Task DisposeQuietlyAsync(McpClient? client)
    {
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    private readonly record struct PoolKey(string ServerId, string CredentialKey);
}
