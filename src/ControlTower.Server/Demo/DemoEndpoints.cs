using System.Security.Claims;
using System.Text.Json;
using ControlTower.Server.Demo.AutoStep;
using ControlTower.Server.Demo.Reset;
using ControlTower.Server.Demo.Simulation;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Demo;

/// <summary>
/// The demo's endpoints (demo mode only: <c>demo.mode_required</c> otherwise):
/// <c>POST /api/demo/simulations</c> (202 and the job), <c>GET /api/demo/simulations</c>, <c>GET /api/demo/simulations/{id}</c>
/// (with every case), <c>GET /api/demo/simulations/{id}/events</c> (SSE: <c>progress</c> after each case, <c>complete</c> at the end),
/// <c>POST /api/demo/simulations/{id}/cancel</c>, <c>POST /api/demo/cases/{runId}/auto-step</c> and <c>POST /api/demo/reset</c> (admins).
/// </summary>
internal static class DemoEndpoints
{
    public static IServiceCollection AddDemo(this IServiceCollection services) => services
        .AddSingleton<DemoMode>()
        .AddSingleton<DemoActors>()
        .AddSingleton<PharmacyShelf>()
        .AddSingleton<CaseDriver>()
        .AddSingleton<SimulationService>()
        .AddSingleton<CaseAutoStep>()
        .AddSingleton<DemoReset>();

    public static IEndpointRouteBuilder MapDemoEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/demo").WithTags("Demo");
        group.MapPost("/simulations", async (SimulationBody? body, ClaimsPrincipal user, SimulationService simulations, CancellationToken ct) =>
        {
            var view = await simulations.StartAsync(body, user.Actor(), ct);
            return TypedResults.Accepted($"/api/demo/simulations/{view.Id}", view);
        }).RequireAuthorization(Policies.Operators);
        group.MapGet("/simulations", (SimulationService simulations, DemoMode demo) =>
        {
            demo.Require();
            return TypedResults.Ok(simulations.List());
        }).RequireAuthorization(Policies.Readers);
        group.MapGet("/simulations/{id:guid}", (Guid id, SimulationService simulations, DemoMode demo, TimeProvider time) =>
        {
            demo.Require();
            var job = simulations.Get(id);
            return TypedResults.Ok(new SimulationDetail(job.Snapshot(time.GetUtcNow()), job.Cases()));
        }).RequireAuthorization(Policies.Readers);
        group.MapGet("/simulations/{id:guid}/events", StreamAsync).RequireAuthorization(Policies.Readers)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        group.MapPost("/simulations/{id:guid}/cancel", (Guid id, SimulationService simulations, DemoMode demo) =>
        {
            demo.Require();
            return TypedResults.Ok(simulations.Cancel(id));
        }).RequireAuthorization(Policies.Operators);
        group.MapPost("/cases/{runId:guid}/auto-step", async (Guid runId, ClaimsPrincipal user, CaseAutoStep autoStep, CancellationToken ct) =>
            TypedResults.Ok(await autoStep.StepAsync(runId, user.Actor(), ct))).RequireAuthorization(Policies.Approvers);
        group.MapPost("/reset", async (ClaimsPrincipal user, DemoReset reset, CancellationToken ct) =>
            TypedResults.Ok(await reset.ResetAsync(user.Actor(), ct))).RequireAuthorization(Policies.AdminOnly);
        return routes;
    }

    /// <summary>Server-Sent Events: the job as it stands now, then after every change, ending with <c>complete</c> once it has ended.</summary>
    private static async Task StreamAsync(Guid id, HttpContext context, SimulationService simulations, DemoMode demo, TimeProvider time, IOptions<JsonOptions> json, CancellationToken ct)
    {
        demo.Require();
        var job = simulations.Get(id);
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        while (!ct.IsCancellationRequested)
        {
            var next = job.NextChangeAsync();
            var view = job.Snapshot(time.GetUtcNow());
            var ended = view.Status != SimulationStatus.Running;
            await context.Response.WriteAsync($"event: {(ended ? "complete" : "progress")}\ndata: {JsonSerializer.Serialize(view, json.Value.SerializerOptions)}\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
            if (ended)
            {
                return;
            }

            // A comment keeps proxies from closing a stream that waits on a slow case.
            if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(5), ct)) != next)
            {
                await context.Response.WriteAsync(": heartbeat\n\n", ct);
            }
        }
    }
}
