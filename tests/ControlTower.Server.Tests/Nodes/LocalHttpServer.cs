using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>A real Kestrel server on 127.0.0.1 and a free port, counting TCP connections and recording requests.</summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private LocalHttpServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>TCP connections accepted so far (a destination check must refuse before any).</summary>
    public int Connections => Volatile.Read(ref _connections);

    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<LocalHttpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        LocalHttpServer? server = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref server!._connections);
            return next(connection);
        })));
        var app = builder.Build();
        server = new LocalHttpServer(app);
        server.MapEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    private void MapEndpoints()
    {
        _app.Map("/echo", async (HttpContext http) =>
        {
            var received = await Describe(http.Request);
            Requests.Enqueue(received);
            return Results.Json(received);
        });
        _app.Map("/status/{code:int}", (int code) => Results.Text($"status {code} body", "text/plain", statusCode: code));
        _app.Map("/text", () => Results.Text("héllo", "text/plain; charset=utf-8"));
        _app.Map("/not-json", () => Results.Text("{ not json", "application/json"));
        _app.Map("/problem", () => Results.Text("""{"type":"about:blank","title":"x"}""", "application/problem+json"));
        _app.Map("/redirect", () => Results.Redirect("/echo"));
        _app.Map("/empty", () => Results.NoContent());
        _app.Map("/slow", async (HttpContext http) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), http.RequestAborted);
            return Results.Ok();
        });
        _app.Map("/sized/{bytes:int}", (int bytes) => Results.Text(new string('a', bytes), "text/plain"));
        _app.Map("/streamed/{bytes:int}", async (HttpContext http, int bytes) =>
        {
            // No Content-Length: the limit must hold while reading.
            http.Response.ContentType = "text/plain";
            var chunk = Encoding.ASCII.GetBytes(new string('b', 1000));
            for (var sent = 0; sent < bytes; sent += chunk.Length)
            {
                await http.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, bytes - sent)), http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        });
    }

    private static async Task<JsonObject> Describe(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.ToString();
        }

        return new JsonObject
        {
            ["method"] = request.Method,
            ["path"] = request.Path.Value,
            ["query"] = request.QueryString.Value,
            ["headers"] = headers,
            ["body"] = body,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
