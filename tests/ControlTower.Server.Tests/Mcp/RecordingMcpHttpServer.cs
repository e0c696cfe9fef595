using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>
/// A small Streamable HTTP MCP server on loopback (the core package's stateless transport) with one tool,
/// <c>whoami</c>, that answers with the <c>Authorization</c> header of the request; every header seen is recorded.
/// </summary>
internal sealed class RecordingMcpHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingMcpHttpServer(WebApplication app, int port)
    {
        _app = app;
        Endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    public static async Task<RecordingMcpHttpServer> StartAsync()
    {
        var port = McpTestServers.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new RecordingMcpHttpServer(app, port);
        app.MapPost("/mcp", server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        AuthorizationHeaders.Enqueue(authorization);
        var message = await JsonSerializer.DeserializeAsync(context.Request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), context.RequestAborted) as JsonRpcMessage;
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "recorder", Version = "1.0.0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult
                {
                    Tools = [new Tool { Name = "whoami", Description = "The Authorization header the server received.", InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone() }],
                }),
                CallToolHandler = (_, _) => ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = authorization }] }),
            },
        };
        await using var transport = new StreamableHttpServerTransport(NullLoggerFactory.Instance) { Stateless = true };
        await using var mcp = McpServer.Create(transport, options, NullLoggerFactory.Instance);
        var running = mcp.RunAsync(context.RequestAborted);
        context.Response.Headers.ContentType = "text/event-stream";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        if (!await transport.HandlePostRequestAsync(message!, context.Response.Body, context.RequestAborted))
        {
            context.Response.Headers.ContentType = (string?)null;
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }

        await transport.DisposeAsync();
        await running;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
