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
/// A Streamable HTTP MCP endpoint (<c>POST /mcp</c>) on a free loopback port, served statelessly with the core
/// package's transport: each request gets the server options <c>optionsFor</c> builds for it, so a fixture can
/// record what the request carried and script what its tools answer.
/// </summary>
internal sealed class LoopbackMcpHttpHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackMcpHttpHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<LoopbackMcpHttpHost> StartAsync(Func<HttpContext, McpServerOptions> optionsFor)
    {
        var port = McpTestServers.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/mcp", context => ServeAsync(context, optionsFor(context)));
        await app.StartAsync();
        return new LoopbackMcpHttpHost(app, new Uri($"http://127.0.0.1:{port}/mcp"));
    }

    private static async Task ServeAsync(HttpContext context, McpServerOptions options)
    {
        var message = await JsonSerializer.DeserializeAsync(context.Request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), context.RequestAborted) as JsonRpcMessage;
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
