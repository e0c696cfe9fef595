using System.Collections.Concurrent;
using System.Text.Json;
using ControlTower.Server.Mcp;
using ControlTower.Server.Tests.Mcp;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.Tests.Governance;

/// <summary>What the <c>undo</c> tool does on one call.</summary>
internal enum UndoBehaviour
{
    Succeed,
    ReportError,
    HangUntilCancelled,
}

/// <summary>
/// A Streamable HTTP MCP server on loopback with an action and its compensation whose behaviour the test scripts:
/// <c>create</c> always succeeds; <c>undo</c> takes the next scripted <see cref="UndoBehaviour"/> (succeed when none is left),
/// and records the idempotency key each call carried.
/// </summary>
internal sealed class CompensationMcpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<UndoBehaviour> _script = new();
    private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _undoCalls;
    private int _undone;

    private LoopbackMcpHttpHost _host = null!;

    public Uri Endpoint => _host.Endpoint;

    /// <summary>Calls of <c>undo</c>, whatever they did.</summary>
    public int UndoCalls => Volatile.Read(ref _undoCalls);

    /// <summary>Calls of <c>undo</c> that succeeded.</summary>
    public int Undone => Volatile.Read(ref _undone);

    public ConcurrentQueue<string?> UndoKeys { get; } = new();

    /// <summary>Completes when an <c>undo</c> call is hanging (so its caller holds the rollback claim).</summary>
    public Task Hanging => _hanging.Task;

    public static async Task<CompensationMcpServer> StartAsync()
    {
        var server = new CompensationMcpServer();
        server._host = await LoopbackMcpHttpHost.StartAsync(_ => server.Options());
        return server;
    }

    public McpServerDefinition Definition(string id) => McpHarness.Http(id, Endpoint);

    public void Script(params UndoBehaviour[] behaviours)
    {
        foreach (var behaviour in behaviours)
        {
            _script.Enqueue(behaviour);
        }
    }

    private McpServerOptions Options() =>
        new()
        {
            ServerInfo = new Implementation { Name = "compensation", Version = "1.0.0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [Tool("create"), Tool("undo")] }),
                CallToolHandler = (request, cancellationToken) => CallAsync(request.Params!, cancellationToken),
            },
        };

    private async ValueTask<CallToolResult> CallAsync(CallToolRequestParams call, CancellationToken cancellationToken)
    {
        if (call.Name != "undo")
        {
            return Text("""{"created":true}""");
        }

        Interlocked.Increment(ref _undoCalls);
        UndoKeys.Enqueue(call.Meta?[McpToolInvoker.IdempotencyMetaKey]?.ToString());
        switch (_script.TryDequeue(out var behaviour) ? behaviour : UndoBehaviour.Succeed)
        {
            case UndoBehaviour.ReportError:
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "the record is locked by another clerk" }] };
            case UndoBehaviour.HangUntilCancelled:
                _hanging.TrySetResult();
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token))
                {
                    await Task.Delay(Timeout.Infinite, linked.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }

                return Text("""{"undone":false}""");
            default:
                Interlocked.Increment(ref _undone);
                return Text("""{"undone":true}""");
        }
    }

    private static Tool Tool(string name) => new()
    {
        Name = name,
        Description = name,
        InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone(),
    };

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _host.DisposeAsync();
        _stopping.Dispose();
    }
}
