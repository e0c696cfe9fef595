using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// A real HTTP endpoint on loopback (Kestrel, port 0) that counts every call by path and keeps the
/// idempotency keys it saw. <c>/price</c> answers <c>{ "price": 7 }</c>; <c>/unavailable</c> answers 503;
/// <c>/flaky</c> answers 503 the first time and <c>{ "stock": 12 }</c> after.
/// </summary>
internal sealed class CountingEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new();

    private CountingEndpoint(WebApplication app) => _app = app;

    public ConcurrentQueue<string> IdempotencyKeys { get; } = new();

    public Uri BaseAddress => new(_app.Urls.First());

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public int Calls(string path) => _calls.GetValueOrDefault(path);

    public static async Task<CountingEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new CountingEndpoint(app);
        app.MapGet("/price", (HttpRequest request) =>
        {
            _ = endpoint.Count(request);
            return Results.Json(new { price = 7 });
        });
        app.MapGet("/unavailable", (HttpRequest request) =>
        {
            _ = endpoint.Count(request);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/flaky", (HttpRequest request) => endpoint.Count(request) == 1
            ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
            : Results.Json(new { stock = 12 }));
        await app.StartAsync();
        return endpoint;
    }

    private int Count(HttpRequest request)
    {
        IdempotencyKeys.Enqueue(request.Headers["Idempotency-Key"].ToString());
        return _calls.AddOrUpdate(request.Path.Value!, 1, (_, n) => n + 1);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
