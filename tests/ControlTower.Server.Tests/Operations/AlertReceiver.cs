using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Operations;

/// <summary>A real webhook receiver on loopback (Kestrel, port 0): refuses the first <c>failFirst</c> deliveries with 503, keeps the rest.</summary>
internal sealed class AlertReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _refusalsLeft;
    private int _attempts;

    private AlertReceiver(WebApplication app, int failFirst) => (_app, _refusalsLeft) = (app, failFirst);

    public string Url => _app.Urls.First() + "/alerts";

    /// <summary>Every delivery taken (2xx), in order.</summary>
    public ConcurrentQueue<Delivery> Taken { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    public static async Task<AlertReceiver> StartAsync(int failFirst)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new AlertReceiver(app, failFirst);
        app.MapPost("/alerts", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref receiver._attempts);
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref receiver._refusalsLeft) >= 0)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            receiver.Taken.Enqueue(new Delivery(
                request.Headers["X-ControlTower-Delivery"].ToString(),
                request.Headers["X-ControlTower-Timestamp"].ToString(),
                request.Headers["X-ControlTower-Signature"].ToString(),
                body));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    internal sealed record Delivery(string Id, string Timestamp, string Signature, string Body);
}
