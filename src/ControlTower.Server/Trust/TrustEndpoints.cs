using System.Security.Claims;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Trust;

internal static class TrustEndpoints
{
    /// <summary>
    /// <c>GET /api/trust/scopes</c>, <c>GET /api/trust/scopes/{key}</c>, <c>GET /api/trust/models</c>,
    /// <c>GET /api/trust/models/retrain-check</c> (readers); <c>POST /api/trust/events</c> and <c>POST /api/trust/resolve-mode</c>
    /// (operators and services); <c>PUT /api/trust/scopes/{key}/pin</c> and <c>POST /api/trust/models/retrain</c> (admins).
    /// </summary>
    public static IEndpointRouteBuilder MapTrustEndpoints(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api/trust").WithTags("Trust").RequireAuthorization(Policies.Readers);
        read.MapGet("/scopes", async (TrustService trust, CancellationToken ct) => TypedResults.Ok(await trust.ListScopesAsync(ct)));
        read.MapGet("/scopes/{key}", async (string key, TrustService trust, CancellationToken ct) => TypedResults.Ok(await trust.GetScopeAsync(key, ct)));
        read.MapGet("/models", async (TrustModelService models, CancellationToken ct) => TypedResults.Ok(await models.ListAsync(ct)));
        read.MapGet("/models/retrain-check", async (TrustModelService models, CancellationToken ct) => TypedResults.Ok(await models.CheckAsync(ct)));

        var act = routes.MapGroup("/api/trust").WithTags("Trust").RequireAuthorization(Policies.Operators);
        act.MapPost("/events", async Task<Results<Ok<RecordedEvent>, Created<RecordedEvent>>> (TrustEventBody body,
            HttpRequest request, ClaimsPrincipal user, TrustService trust, CancellationToken ct) =>
        {
            var recorded = await trust.RecordAsync(body, request.Headers["Idempotency-Key"].FirstOrDefault(), user.Actor(), ct);
            return recorded.Repeated
                ? TypedResults.Ok(recorded)
                : TypedResults.Created($"/api/trust/scopes/{Uri.EscapeDataString(recorded.Scope.Key)}", recorded);
        });
        act.MapPost("/resolve-mode", async (ResolveModeBody body, TrustService trust, CancellationToken ct) => TypedResults.Ok(await trust.ResolveModeAsync(body, ct)));

        var admin = routes.MapGroup("/api/trust").WithTags("Trust").RequireAuthorization(Policies.AdminOnly);
        admin.MapPut("/scopes/{key}/pin", async (string key, PinBody body, ClaimsPrincipal user, TrustService trust, CancellationToken ct) =>
            TypedResults.Ok(await trust.PinAsync(key, body, user.Actor(), ct)));
        admin.MapPost("/models/retrain", async (ClaimsPrincipal user, TrustModelService models, CancellationToken ct) => TypedResults.Ok(await models.RetrainAsync(user.Actor(), ct)));
        return routes;
    }
}
