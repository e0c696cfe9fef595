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

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port, counting TCP connections and recording requests. Under
/// <c>/scripted/</c> it answers the <see cref="Script"/> in order (a fake of any API: the llm tests use it as an
/// OpenAI-compatible provider), and counts requests whose client went away while an answer was delayed.
/// </summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;
    private int _aborted;

    private LocalHttpServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>TCP connections accepted so far (a destination check must refuse before any).</summary>
    public int Connections => Volatile.Read(ref _connections);

    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>The answers of <c>/scripted/...</c>, in order; when it is empty the answer is a 500 saying so.</summary>
    public ConcurrentQueue<ScriptedResponse> Script { get; } = new();

    /// <summary>Scripted requests the client aborted while their answer was delayed (a cancelled call must land here).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

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
        _app.Map("/scripted/{**rest}", async (HttpContext http) =>
        {
            Requests.Enqueue(await Describe(http.Request));
            if (!Script.TryDequeue(out var next))
            {
                return Results.Text("no scripted response left", "text/plain", statusCode: 500);
            }

            if (next.Delay is { } delay)
            {
                try
                {
                    await Task.Delay(delay, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _aborted);
                    return Results.Empty;
                }
            }

            foreach (var (name, value) in next.Headers ?? new Dictionary<string, string>())
            {
                http.Response.Headers[name] = value;
            }

            return Results.Text(next.Body, next.ContentType, statusCode: next.Status);
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

/// <summary>One answer of <see cref="LocalHttpServer.Script"/>, sent after <paramref name="Delay"/> when given.</summary>
internal sealed record ScriptedResponse(int Status, string Body, string ContentType = "application/json", TimeSpan? Delay = null, IReadOnlyDictionary<string, string>? Headers = null);
