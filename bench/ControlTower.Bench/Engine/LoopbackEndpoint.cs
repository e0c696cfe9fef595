using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlTower.Bench.Engine;

/// <summary>The receiver of the benchmark's side effects: a Kestrel endpoint on loopback that answers every POST at once.</summary>
internal sealed class LoopbackEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _calls;

    private LoopbackEndpoint(WebApplication app) => _app = app;

    public string BaseUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public long Calls => Interlocked.Read(ref _calls);

    public static async Task<LoopbackEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var endpoint = new LoopbackEndpoint(app);
        app.MapPost("/effect", (HttpContext context) =>
        {
            Interlocked.Increment(ref endpoint._calls);
            return TypedResults.Json(new JsonObject { ["ok"] = true, ["key"] = context.Request.Headers["Idempotency-Key"].ToString() });
        });
        await app.StartAsync();
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
