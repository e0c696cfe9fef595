using System.Security.Claims;
using ControlTower.Core.Errors;
using ControlTower.Server.Identity;

namespace ControlTower.Server.Rules;

internal static class RuleSetEndpoints
{
    /// <summary>
    /// <c>/api/rule-sets</c>: list, create (version 1), <c>PUT /{id}</c> (a new version), read (<c>?version=</c>),
    /// versions, and <c>POST /{id}/test</c> which evaluates a version against sample input (audited).
    /// </summary>
    public static IEndpointRouteBuilder MapRuleSetEndpoints(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api/rule-sets").WithTags("Rules").RequireAuthorization(Policies.Readers);
        read.MapGet("/", async (RuleSetService rules, CancellationToken ct) => TypedResults.Ok(await rules.ListAsync(ct)));
        read.MapGet("/{id}", async (string id, int? version, RuleSetService rules, CancellationToken ct) => TypedResults.Ok(await rules.GetAsync(id, version, ct)));
        read.MapGet("/{id}/versions", async (string id, RuleSetService rules, CancellationToken ct) => TypedResults.Ok(await rules.VersionsAsync(id, ct)));

        var write = routes.MapGroup("/api/rule-sets").WithTags("Rules").RequireAuthorization(Policies.Operators);
        write.MapPost("/", async (CreateRuleSetBody body, ClaimsPrincipal user, RuleSetService rules, CancellationToken ct) =>
        {
            var view = await rules.CreateAsync(body, user.Actor(), ct);
            return TypedResults.Created($"/api/rule-sets/{view.Id}", view);
        });
        write.MapPut("/{id}", async (string id, UpdateRuleSetBody body, ClaimsPrincipal user, RuleSetService rules, CancellationToken ct) =>
            TypedResults.Ok(await rules.UpdateAsync(id, body, user.Actor(), ct)));
        write.MapPost("/{id}/test", async (string id, TestRuleSetBody body, ClaimsPrincipal user, RuleSetService rules, CancellationToken ct) =>
        {
            var input = body.Input ?? throw new ControlTowerException(ErrorKind.Validation, RuleSetErrorCodes.InputRequired, "input (an object) is required.");
            var run = await rules.EvaluateAsync(id, body.Version, input, user.Actor(), "rule set test", ct);
            return TypedResults.Ok(RuleSetTestResponse.From(run));
        });
        return routes;
    }
}
