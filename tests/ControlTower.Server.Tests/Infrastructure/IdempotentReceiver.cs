using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A side-effect receiver on a real loopback port that de-duplicates by the <c>Idempotency-Key</c> header,
/// as a well-behaved payment or notification API does: the first delivery of a key performs the effect
/// (gets the next effect number), later deliveries of the same key get the same answer and do nothing.
/// It counts every delivery, so a test can tell re-sent keys from real duplicate effects.
/// </summary>
internal sealed class IdempotentReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _deliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<int>> _effects = new(StringComparer.Ordinal);
    private int _lastEffect;
    private int _missingKey;

    private IdempotentReceiver(WebApplication app) => _app = app;

    /// <summary>Where to send side effects, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl => _app.Urls.First();

    /// <summary>Deliveries per idempotency key (1 = delivered once).</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _deliveries;

    /// <summary>The effect each key caused; one entry per key, however often it was delivered.</summary>
    public IReadOnlyDictionary<string, int> Effects => _effects.ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal);

    /// <summary>Requests that came without an idempotency key (answered 400, no effect).</summary>
    public int MissingKey => Volatile.Read(ref _missingKey);

    /// <summary>Starts on a free loopback port; each answer waits between <paramref name="minDelay"/> and <paramref name="maxDelay"/>.</summary>
    public static async Task<IdempotentReceiver> StartAsync(TimeSpan maxDelay, TimeSpan minDelay = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var endpoint = new IdempotentReceiver(app);
        app.MapPost("/effects/{kind}", (string kind, HttpRequest request, CancellationToken ct) => endpoint.HandleAsync(kind, request, minDelay, maxDelay, ct));
        await app.StartAsync();
        return endpoint;
    }

    private async Task<IResult> HandleAsync(string kind, HttpRequest request, TimeSpan minDelay, TimeSpan maxDelay, CancellationToken cancellationToken)
    {
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
