using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>
/// A small Streamable HTTP MCP server on loopback (the core package's stateless transport) with one tool,
/// <c>whoami</c>, that answers with the <c>Authorization</c> header of the request; every header seen is recorded.
/// </summary>
internal sealed class RecordingMcpHttpServer : IAsyncDisposable
{
    private LoopbackMcpHttpHost _host = null!;

    public Uri Endpoint => _host.Endpoint;

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    public static async Task<RecordingMcpHttpServer> StartAsync()
    {
        var server = new RecordingMcpHttpServer();
        server._host = await LoopbackMcpHttpHost.StartAsync(server.OptionsFor);
        return server;
    }

    private McpServerOptions OptionsFor(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        AuthorizationHeaders.Enqueue(authorization);
        return new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "recorder", Version = "1.0.0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult
                {
                    Tools = [new Tool { Name = "whoami", Description = "The Authorization header the server received.",
                        InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone() }],
                }),
                CallToolHandler = (_, _) => ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = authorization }] }),
            },
        };
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
