using System.Security.Claims;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Demo.Scenarios;

internal static class ScenarioEndpoints
{
    public static IServiceCollection AddDemoScenarios(this IServiceCollection services) => services.AddSingleton<ScenarioService>();

    /// <summary>
    /// <c>GET /api/demo/scenarios</c> (readers): the templates. <c>POST /api/demo/scenarios/{id}/start</c> (operators,
    /// demo mode only; <c>Idempotency-Key</c> honoured): starts one as a real run, 201 with the run id.
    /// </summary>
    public static IEndpointRouteBuilder MapDemoScenarioEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/demo/scenarios").WithTags("Demo").RequireAuthorization(Policies.Readers)
            .MapGet("/", () => TypedResults.Ok(DemoScenarios.All.Select(ScenarioView.Of).ToList()));
        routes.MapGroup("/api/demo/scenarios").WithTags("Demo").RequireAuthorization(Policies.Operators)
            .MapPost("/{id}/start", async Task<Results<Created<ScenarioStarted>, Ok<ScenarioStarted>>> (string id,
                HttpRequest request, ClaimsPrincipal user, ScenarioService scenarios, CancellationToken ct) =>
            {
                var started = await scenarios.StartAsync(id, user.Actor(), request.Headers["Idempotency-Key"].FirstOrDefault(), ct);
                return started.Created ? TypedResults.Created($"/api/runs/{started.RunId}", started) : TypedResults.Ok(started);
            });
        return routes;
    }
}
