using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Schemas;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Polly;
using Polly.CircuitBreaker;

namespace ControlTower.Server.Mcp;

internal sealed record McpProgress(double Progress, double? Total, string? Message);

/// <summary>
/// Per-call inputs besides the arguments. <see cref="CredentialKey"/> names the connection slot of a
/// credential whose <see cref="Environment"/> (stdio) or <see cref="Headers"/> (HTTP) the vault supplies.
/// </summary>
internal sealed record McpCallContext
{
    public static McpCallContext None { get; } = new();

    /// <summary>Sent to the server in the request's <c>_meta</c> under <see cref="McpToolInvoker.IdempotencyMetaKey"/>.</summary>
    public string? IdempotencyKey { get; init; }

    public string? CredentialKey { get; init; }

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public IProgress<McpProgress>? Progress { get; init; }
}

/// <summary>
/// A tool call's result. <see cref="Output"/> is <c>{content:[...], structuredContent, isError}</c> as MCP
/// sent it. When <see cref="IsError"/> is true the tool ran and reported a failure (the node's <c>error</c>
/// outcome, with <see cref="ErrorMessage"/> from the server); failures of the call itself are exceptions.
/// </summary>
internal sealed record McpToolResult(string ServerId, string ToolName, JsonObject Output, bool IsError, string? ErrorMessage, TimeSpan Duration);

/// <summary>
/// Calls tools of registered servers: arguments validated against the catalog's input schema before
/// anything is sent, then bulkhead, retry and circuit breaker, a per-call timeout, progress and cancellation.
/// </summary>
internal sealed class McpToolInvoker(
    McpServerRegistry registry,
    McpConnectionPool pool,
    McpCatalog catalog,
    McpResilience resilience,
    McpHealthTracker health,
    McpMetrics metrics,
    TimeProvider time,
    ILogger<McpToolInvoker> logger)
{
    /// <summary>The <c>_meta</c> key of the idempotency key (a prefixed name, as the MCP spec asks of extensions).</summary>
    public const string IdempotencyMetaKey = "io.controltower/idempotency-key";

    /// <summary>JSON-RPC code the C# client reports when an HTTP server rejects the request before handling it (e.g. unknown session after a restart).</summary>
    private const int HttpRequestRejected = -32000;

    public async Task<McpToolResult> CallAsync(
        string serverId,
        string toolName,
        JsonObject arguments,
        McpCallContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetTimestamp();
        try
        {
            var result = await CallGuardedAsync(serverId, toolName, arguments, context, cancellationToken).ConfigureAwait(false);
            var outcome = result.IsError ? "tool_error" : "success";
            health.RecordSuccess(serverId, result.Duration);
            metrics.CallCompleted(serverId, toolName, outcome, result.Duration);
            logger.CallCompleted(serverId, toolName, outcome, result.Duration.TotalMilliseconds);
            return result;
        }
        catch (ControlTowerException ex)
        {
            var elapsed = time.GetElapsedTime(started);
            metrics.CallFailed(serverId, toolName, ex.Code);
            metrics.CallCompleted(serverId, toolName, ex.Code, elapsed);
            if (ReachedServerGuards(ex.Code))
            {
                health.RecordFailure(serverId, ex.Code, ex.Message, elapsed);
            }

            logger.CallFailed(serverId, toolName, ex.Code, elapsed.TotalMilliseconds);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            metrics.CallCompleted(serverId, toolName, "cancelled", time.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>Health of one server: last success and error, breaker state, latency percentiles.</summary>
    public McpServerHealth GetHealth(string serverId)
    {
        registry.Require(serverId);
        return health.Snapshot(serverId, resilience.BreakerState(serverId), pool.LiveConnections(serverId));
    }

    private async Task<McpToolResult> CallGuardedAsync(
        string serverId,
        string toolName,
        JsonObject arguments,
        McpCallContext context,
        CancellationToken cancellationToken)
    {
        var definition = registry.Require(serverId);
        if (!definition.Enabled)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.ServerDisabled, $"MCP server '{serverId}' is disabled.");
        }

        var credential = ToCredential(context);
        // With a catalog already known, bad calls fail here without touching the server.
        var validated = catalog.Get(serverId) is { } known && ValidateCall(known, toolName, arguments) is not null;

        var guard = resilience.For(definition);
        using var timeout = new CancellationTokenSource(definition.Limits.CallTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        var resilienceContext = ResilienceContextPool.Shared.Get(linked.Token);
        resilienceContext.Properties.Set(McpResilience.ToolName, toolName);
        try
        {
            using var slot = await guard.EnterAsync(serverId, linked.Token).ConfigureAwait(false);
            var call = new Call(this, definition, toolName, arguments, context, credential, validated, cancellationToken, timeout.Token);
            var response = await guard.Pipeline.ExecuteAsync(
                static (ctx, state) => state.Invoker.AttemptAsync(state, ctx),
                resilienceContext,
                call).ConfigureAwait(false);
            return Map(serverId, toolName, response, time.GetElapsedTime(started));
        }
        catch (BrokenCircuitException ex)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.CircuitOpen,
                $"MCP server '{serverId}' is failing; calls are paused{(ex.RetryAfter is { } after ? $" for {after.TotalSeconds:0.#} s" : "")}.", ex);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(definition, toolName, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilienceContext);
        }
    }

    private async ValueTask<CallToolResult> AttemptAsync(Call call, ResilienceContext context)
    {
        try
        {
            return await AttemptCoreAsync(call, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (call.TimeoutToken.IsCancellationRequested && !call.CallerToken.IsCancellationRequested)
        {
            // Turned into mcp.timeout inside the pipeline so the circuit breaker counts it.
            throw TimedOut(call.Definition, call.ToolName, ex);
        }
    }

    private async ValueTask<CallToolResult> AttemptCoreAsync(Call call, ResilienceContext context)
    {
        var serverId = call.Definition.Id;
        var token = context.CancellationToken;
        var connection = await pool.GetAsync(serverId, call.Credential, token).ConfigureAwait(false);
        var snapshot = catalog.Get(serverId)
            ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ToolNotFound, $"MCP server '{serverId}' has no tool catalog.");
        var tool = call.Validated ? snapshot.FindTool(call.ToolName) : ValidateCall(snapshot, call.ToolName, call.Arguments);
        context.Properties.Set(McpResilience.RetryAfterSend, call.Definition.Limits.RetryIdempotentTools && tool?.IsIdempotent == true);

        using var lease = connection.BeginCall();
        using var progress = call.Context.Progress is { } target ? connection.Progress.Register(target) : default(McpProgressRouter.Registration?);
        try
        {
            return await connection.Client.CallToolAsync(
                call.ToolName,
                ToArguments(call.Arguments),
                progress: null,
                new RequestOptions { Meta = MetaFor(call.Context, progress?.Token) },
                token).ConfigureAwait(false);
        }
        catch (McpProtocolException ex) when (connection.Transport is not McpTransportKind.Stdio && (int)ex.ErrorCode == HttpRequestRejected)
        {
            // The HTTP server refused the request before running it (typically: it restarted and forgot our session).
            var reason = McpConnectionPool.Describe(ex);
            await pool.EvictAsync(connection, reason).ConfigureAwait(false);
            throw new McpTransportException($"MCP server '{serverId}' rejected the session: {reason}", mayHaveReachedServer: false, ex);
        }
        catch (McpProtocolException ex)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.ProtocolError,
                $"MCP server '{serverId}' answered tools/call '{call.ToolName}' with error {(int)ex.ErrorCode}: {ex.Message}", ex);
        }
        catch (Exception ex) when (McpConnectionPool.IsTransportFailure(ex) || ex is ObjectDisposedException
                                   || (ex is OperationCanceledException && !token.IsCancellationRequested))
        {
            // The connection broke under the call (process died, stream closed, or closed by another failing call).
            var reason = await DescribeBreakAsync(connection, ex).ConfigureAwait(false);
            await pool.EvictAsync(connection, reason).ConfigureAwait(false);
            throw new McpTransportException($"MCP server '{serverId}' connection failed during '{call.ToolName}': {reason}", mayHaveReachedServer: true, ex);
        }
    }

    /// <summary>Returns the tool, or throws <c>mcp.tool_not_found</c> / <c>mcp.arguments_invalid</c> (with every violation).</summary>
    private static McpToolInfo ValidateCall(McpCatalogSnapshot snapshot, string toolName, JsonObject arguments)
    {
        var tool = snapshot.FindTool(toolName) ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ToolNotFound,
            $"MCP server '{snapshot.ServerId}' has no tool '{toolName}' (catalog version {snapshot.Version}).");
        var violations = JsonSchemaValidator.Validate(tool.InputSchema, arguments);
        if (violations.Count > 0)
        {
            throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.ArgumentsInvalid,
                $"Arguments of '{tool.QualifiedName}' do not match its input schema: {string.Join("; ", violations.Select(v => v.Message))}.")
            {
                Details = new Dictionary<string, object?> { ["violations"] = violations },
            };
        }

        return tool;
    }

    private static McpCredential? ToCredential(McpCallContext context)
    {
        var hasSecrets = context.Environment is { Count: > 0 } || context.Headers is { Count: > 0 };
        if (context.CredentialKey is null)
        {
            // Without a key, the secrets would leak into the shared no-credential connection.
            return hasSecrets
                ? throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.CredentialKeyRequired,
                    "Environment variables or headers for an MCP call need a credential key.")
                : null;
        }

        return new McpCredential(
            context.CredentialKey,
            context.Environment ?? new Dictionary<string, string>(),
            context.Headers ?? new Dictionary<string, string>());
    }

    private static JsonObject? MetaFor(McpCallContext context, string? progressToken)
    {
        if (context.IdempotencyKey is null && progressToken is null)
        {
            return null;
        }

        var meta = new JsonObject();
        if (context.IdempotencyKey is { } key)
        {
            meta[IdempotencyMetaKey] = key;
        }

        if (progressToken is not null)
        {
            meta["progressToken"] = progressToken;
        }

        return meta;
    }

    private static Dictionary<string, object?> ToArguments(JsonObject arguments)
    {
        using var document = JsonDocument.Parse(arguments.ToJsonString());
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            values[property.Name] = property.Value.Clone();
        }

        return values;
    }

    private static McpToolResult Map(string serverId, string toolName, CallToolResult result, TimeSpan duration)
    {
        var isError = result.IsError == true;
        var output = new JsonObject
        {
            ["content"] = JsonSerializer.SerializeToNode(result.Content, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IList<ContentBlock>))),
            ["structuredContent"] = result.StructuredContent is { } structured ? JsonNode.Parse(structured.GetRawText()) : null,
            ["isError"] = isError,
        };
        var message = isError
            ? string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text)) is { Length: > 0 } text ? text : "The tool reported an error without a message."
            : null;
        return new McpToolResult(serverId, toolName, output, isError, message, duration);
    }

    private static async Task<string> DescribeBreakAsync(McpConnection connection, Exception ex)
    {
        if (ex is ClientTransportClosedException)
        {
            return McpConnectionPool.Describe(ex);
        }

        if (connection.Transport is McpTransportKind.Stdio)
        {
            // The process may still be exiting; its exit code and stderr tail say more than the stream error.
            var completion = connection.Client.Completion;
            var ended = await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(250))).ConfigureAwait(false);
            if (ended == completion)
            {
                return McpConnectionPool.Describe(await completion.ConfigureAwait(false));
            }
        }

        return connection.EndReason ?? McpConnectionPool.Describe(ex);
    }

    private static ControlTowerException TimedOut(McpServerDefinition definition, string toolName, Exception inner) =>
        new(ErrorKind.Timeout, McpErrorCodes.Timeout,
            $"MCP call '{definition.Id}/{toolName}' did not finish within {definition.Limits.CallTimeout.TotalSeconds:0.###} s; it was cancelled.", inner);

    /// <summary>Codes that say something about the server (health), as opposed to a call rejected before it was sent.</summary>
    private static bool ReachedServerGuards(string code) => code is McpErrorCodes.TransportFailed or McpErrorCodes.Timeout
        or McpErrorCodes.CircuitOpen or McpErrorCodes.ProtocolError or McpErrorCodes.Overloaded;

    private sealed record Call(
        McpToolInvoker Invoker,
        McpServerDefinition Definition,
        string ToolName,
        JsonObject Arguments,
        McpCallContext Context,
        McpCredential? Credential,
        bool Validated,
        CancellationToken CallerToken,
        CancellationToken TimeoutToken);
}
