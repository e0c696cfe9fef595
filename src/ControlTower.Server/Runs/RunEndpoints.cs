using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace ControlTower.Server.Runs;

internal static class RunEndpoints
{
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapRunEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/workflows/{workflowId:guid}/runs", StartAsync).RequireAuthorization(Policies.Operators).WithTags("Runs").ShedsUnderLoad();

        var read = routes.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization(Policies.Readers);
        read.MapGet("/", async (Guid? workflowId, string? status, string? phase, DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset? before, int? limit, RunService runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.ListAsync(new RunFilter(workflowId, status, phase, from, to), before, limit ?? 50, ct)));
        read.MapGet("/{id:guid}", async (Guid id, RunService runs, CancellationToken ct) => TypedResults.Ok(await runs.GetAsync(id, ct)));
        read.MapGet("/{id:guid}/nodes", async (Guid id, RunService runs, CancellationToken ct) => TypedResults.Ok(await runs.AttemptsAsync(id, ct)));
        read.MapGet("/{id:guid}/events", EventsAsync)
            .Produces<IReadOnlyList<RunEventView>>()
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        read.MapPost("/{id:guid}/evaluate", async (Guid id, EvaluateExpressionBody body,
            IDbContextFactory<Platform.Persistence.ControlTowerDbContext> contexts, Core.Expressions.CelCompileCache cache, CancellationToken ct) =>
            TypedResults.Ok(await RunExpressionEvaluation.EvaluateAsync(id, body, contexts, cache, ct)));

        var act = routes.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization(Policies.Operators);
        act.MapPost("/{id:guid}/cancel", async (Guid id, CancelRunBody? body, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.CancelAsync(user.Actor(), id, body?.Reason, ct)));
        act.MapPost("/{id:guid}/retry", async (Guid id, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.RetryAsync(user.Actor(), id, ct)));
        act.MapPost("/{id:guid}/nodes/{nodeId}/resolve", async (Guid id, string nodeId, ResolveNodeBody body, ClaimsPrincipal user, RunService runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.ResolveNodeAsync(user.Actor(), id, nodeId, body, ct)));
        return routes;
    }

    /// <summary>Starts a run; the same <c>Idempotency-Key</c> header returns the same run (200 instead of 201).</summary>
    private static async Task<Results<Created<RunView>, Ok<RunView>>> StartAsync(
        Guid workflowId,
        StartRunBody? body,
        HttpRequest request,
        ClaimsPrincipal user,
        RunStarter starter,
        Workflows.WorkflowSharing sharing,
        CancellationToken ct)
    {
        await sharing.EnsureCanRunAsync(workflowId, Workflows.WorkflowCaller.Of(user), ct);
        var key = request.Headers["Idempotency-Key"].ToString();
        var started = await starter.StartAsync(
            new StartRunRequest(workflowId, body?.Input, body?.Pins is { Count: > 0 } ? RunPins.Trigger : "manual", user.UserId(), user.Actor(), key.Length > 0 ? key : null, Pins: body?.Pins),
            ct);
        var view = RunService.ToView(started.Run, null, null);
        return started.Created ? TypedResults.Created($"/api/runs/{view.Id}", view) : TypedResults.Ok(view);
    }

    /// <summary>
    /// The run's events: a JSON page (<c>?after=&amp;limit=</c>), or with <c>Accept: text/event-stream</c> a
    /// live stream that starts after <c>Last-Event-ID</c> (so a reconnecting client gets exactly what it
    /// missed), sends heartbeat comments, and ends after the run's final event.
    /// </summary>
    private static async Task EventsAsync(Guid id, long? after, int? limit, HttpContext context, RunService runs, RunEventNotifier notifier, CancellationToken ct)
    {
        var wantsStream = context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (!wantsStream)
        {
            await context.Response.WriteAsJsonAsync(await runs.EventsAsync(id, after ?? 0, Math.Clamp(limit ?? 500, 1, 1000), ct), EventJson, ct);
            return;
        }

        var cursor = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var lastId) ? lastId : after ?? 0;
        var first = await runs.EventsAsync(id, cursor, 500, ct);
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var batch = first;
        while (!ct.IsCancellationRequested)
        {
            var next = notifier.NextAsync(id);
            foreach (var evt in batch)
            {
                await context.Response.WriteAsync($"id: {evt.Seq}\nevent: {evt.Type}\ndata: {JsonSerializer.Serialize(evt, EventJson)}\n\n", ct);
                cursor = evt.Seq;
                if (evt.Type is RunEventTypes.Complete or RunEventTypes.Error)
                {
                    await context.Response.Body.FlushAsync(ct);
                    return;
                }
            }

            await context.Response.Body.FlushAsync(ct);
            // Other processes' commits are not signalled here, so poll too; a comment keeps proxies from closing an idle stream.
            var woke = await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(2), ct));
            if (woke != next)
            {
                await context.Response.WriteAsync(": heartbeat\n\n", ct);
            }

            batch = await runs.EventsAsync(id, cursor, 500, ct);
        }
    }
}
