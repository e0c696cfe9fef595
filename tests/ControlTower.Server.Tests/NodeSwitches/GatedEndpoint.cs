using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.NodeSwitches;

/// <summary>
/// A loopback HTTP endpoint whose <c>/slow</c> answers only when the test opens the gate, so a node attempt can be
/// held in flight; <see cref="Arrived"/> completes when the first call came in. Every call is counted.
/// </summary>
internal sealed class GatedEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    private GatedEndpoint(WebApplication app) => _app = app;

    public Task Arrived => _arrived.Task;

    public int Calls => Volatile.Read(ref _calls);

    public string Url(string path) => new Uri(new Uri(_app.Urls.First()), path).ToString();

    public void Open() => _gate.TrySetResult();

    public static async Task<GatedEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new GatedEndpoint(app);
        app.MapGet("/slow", async () =>
        {
            Interlocked.Increment(ref endpoint._calls);
            endpoint._arrived.TrySetResult();
            await endpoint._gate.Task;
            return Results.Json(new { done = true });
        });
        app.MapGet("/fast", () =>
        {
            Interlocked.Increment(ref endpoint._calls);
            return Results.Json(new { fast = true });
        });
        await app.StartAsync();
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        Open();
        await _app.DisposeAsync();
    }
}
