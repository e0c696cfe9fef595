using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A real HTTP endpoint on loopback (Kestrel, port 0) for <c>http.request</c> nodes, counting every call by path.
/// Reads: <c>GET /price</c> answers <c>{ "price": 7 }</c>; <c>/unavailable</c> answers 503; <c>/flaky</c> answers 503
/// the first time and <c>{ "stock": 12 }</c> after. Side effects: <c>POST /effects/{kind}</c> de-duplicates by the
/// <c>Idempotency-Key</c> header, as a well-behaved payment or notification API does: the first delivery of a key
/// performs the effect (gets the next effect number), later deliveries of that key get the same answer and do nothing.
/// Every delivery is counted, so a test can tell re-sent keys from real duplicate effects.
/// </summary>
internal sealed class CountingEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<int>> _effects = new(StringComparer.Ordinal);
    private int _lastEffect;
    private int _missingKey;

    private CountingEndpoint(WebApplication app) => _app = app;

    /// <summary>Where to send calls, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl => _app.Urls.First();

    public string Url(string path) => new Uri(new Uri(BaseUrl), path).ToString();

    /// <summary>Calls of one path, whatever they answered.</summary>
    public int Calls(string path) => _calls.GetValueOrDefault(path);

    /// <summary>Side-effect deliveries per idempotency key (1 = delivered once).</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _deliveries;

    /// <summary>The effect each key caused; one entry per key, however often it was delivered.</summary>
    public IReadOnlyDictionary<string, int> Effects => _effects.ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal);

    /// <summary>Side-effect requests that came without an idempotency key (answered 400, no effect).</summary>
    public int MissingKey => Volatile.Read(ref _missingKey);

    /// <summary>Starts on a free loopback port; each side-effect answer waits between <paramref name="minDelay"/> and <paramref name="maxDelay"/>.</summary>
    public static async Task<CountingEndpoint> StartAsync(TimeSpan maxDelay = default, TimeSpan minDelay = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
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
        app.MapPost("/effects/{kind}", (string kind, HttpRequest request, CancellationToken ct) => endpoint.EffectAsync(kind, request, minDelay, maxDelay, ct));
        await app.StartAsync();
        return endpoint;
    }

    private int Count(HttpRequest request) => _calls.AddOrUpdate(request.Path.Value!, 1, (_, n) => n + 1);

    private async Task<IResult> EffectAsync(string kind, HttpRequest request, TimeSpan minDelay, TimeSpan maxDelay, CancellationToken cancellationToken)
    {
        _ = Count(request);
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
        {
            Interlocked.Increment(ref _missingKey);
            return Results.BadRequest(new { error = "Idempotency-Key header required" });
        }

        _deliveries.AddOrUpdate(key, 1, (_, count) => count + 1);
        var effect = _effects.GetOrAdd(key, _ => new Lazy<int>(() => Interlocked.Increment(ref _lastEffect))).Value;

        // A small random service time, so a kill lands between sending and recording the result.
        await Task.Delay(minDelay + ((maxDelay - minDelay) * Random.Shared.NextDouble()), cancellationToken);
        return Results.Json(new JsonObject { ["kind"] = kind, ["key"] = key, ["effect"] = effect });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
