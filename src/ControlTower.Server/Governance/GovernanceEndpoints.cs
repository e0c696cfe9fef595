using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Schemas;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.Governance;

internal sealed record DryRunBody(Guid? WorkflowId, string? ActionType, string? Server, string? Tool, JsonObject? Arguments, JsonObject? Scope, string? RuleSetId, int? RuleSetVersion, JsonNode? Input, string? CredentialId);

internal static class GovernanceEndpoints
{
    /// <summary>
    /// Gates (<c>GET/PUT /api/gates</c>, <c>GET /api/gates/history</c>, <c>GET /api/gates/resolve</c>), the kill switch
    /// (<c>GET/PUT /api/governance/kill-switch</c>), the dry run (<c>POST /api/governance/dry-run</c>) and governed
    /// executions (<c>GET /api/executions</c>, <c>GET /api/executions/{id}</c>, <c>POST /api/executions/{id}/rollback</c>).
    /// Changing gates and the kill switch is for admins; rollback for operators; reading for every human role.
    /// </summary>
    public static IEndpointRouteBuilder MapGovernanceEndpoints(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api").WithTags("Governance").RequireAuthorization(Policies.Readers);
        read.MapGet("/gates", async (GateService gates, CancellationToken ct) => TypedResults.Ok(await gates.ListAsync(ct)));
        read.MapGet("/gates/history", async (string? scopeKey, int? limit, GateService gates, CancellationToken ct) => TypedResults.Ok(await gates.HistoryAsync(scopeKey, limit ?? 100, ct)));
        read.MapGet("/gates/resolve", async (Guid? workflowId, string? nodeType, string actionType, GateService gates, CancellationToken ct) =>
            TypedResults.Ok(await gates.ResolveAsync(workflowId, nodeType ?? "governed.action", actionType, ct)));
        read.MapGet("/governance/kill-switch", async (GateService gates, CancellationToken ct) => TypedResults.Ok(await gates.KillSwitchAsync(ct)));
        read.MapGet("/executions", async (Guid? runId, int? limit, GovernedActions actions, CancellationToken ct) => TypedResults.Ok(await actions.ListAsync(runId, limit ?? 50, ct)));
        read.MapGet("/executions/{id:guid}", async (Guid id, GovernedActions actions, CancellationToken ct) => TypedResults.Ok(await actions.GetAsync(id, ct)));

        var admin = routes.MapGroup("/api").WithTags("Governance").RequireAuthorization(Policies.AdminOnly);
        admin.MapPut("/gates", async (GateBody body, ClaimsPrincipal user, GateService gates, CancellationToken ct) => TypedResults.Ok(await gates.SetAsync(body, user.Actor(), ct)));
        admin.MapPut("/governance/kill-switch", async (KillSwitchBody body, ClaimsPrincipal user, GateService gates, CancellationToken ct) =>
            TypedResults.Ok(await gates.SetKillSwitchAsync(body, user.Actor(), ct)));

        var act = routes.MapGroup("/api").WithTags("Governance").RequireAuthorization(Policies.Operators);
        act.MapPost("/executions/{id:guid}/rollback", async (Guid id, RollbackBody body, ClaimsPrincipal user, GovernedRollbacks rollbacks, CancellationToken ct) =>
            TypedResults.Ok(await rollbacks.RollbackAsync(id, user.Actor(), body.Reason, ct)));
        act.MapPost("/governance/dry-run", DryRunAsync);
        return routes;
    }

    /// <summary>
    /// Validates a governed action without executing it: the verdict (kill switch, rules, gate; audited as
    /// <c>governance.dry_run</c>), whether the server is registered and enabled, the arguments against the tool's
    /// input schema (when its catalog is loaded), and whether the credentials it needs are available.
    /// </summary>
    private static async Task<JsonObject> DryRunAsync(
        DryRunBody body, ClaimsPrincipal user, GovernedActions actions, McpServerRegistry servers, McpCatalog catalog, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.ActionType) || string.IsNullOrWhiteSpace(body.Server) || string.IsNullOrWhiteSpace(body.Tool))
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.DryRunInvalid, "actionType, server and tool are required.");
        }

        var proposal = new ActionProposal(body.WorkflowId, body.ActionType, body.Server, body.Tool, body.Arguments ?? [], body.Scope ?? [], body.RuleSetId, body.RuleSetVersion, body.Input);
        var verdict = await actions.JudgeAsync(proposal, user.Actor(), "governance.dry_run", "dry run", ct);
        var server = servers.Get(body.Server);
        var serverCheck = Check(server is { Enabled: true }, server is null ? $"no MCP server '{body.Server}' is registered" : server.Enabled ? "registered and enabled" : "registered but disabled");
        var snapshot = catalog.Get(body.Server);
        var tool = snapshot?.FindTool(body.Tool);
        var violations = tool is null ? [] : JsonSchemaValidator.Validate(tool.InputSchema, proposal.Arguments);
        var argumentsCheck = snapshot is null
            ? new JsonObject { ["ok"] = null, ["message"] = "the server's tool catalog is not loaded yet; arguments are validated on the first call" }
            : tool is null
                ? Check(false, $"'{body.Server}' has no tool '{body.Tool}'")
                : Check(violations.Count == 0, violations.Count == 0 ? "the arguments match the tool's input schema" : string.Join("; ", violations.Select(v => v.Message)));
        var credentialsCheck = body.CredentialId is null
            ? Check(true, "no credential needed")
            : Check(false, "governed actions cannot use credentials yet");
        // Arguments not checkable yet (catalog not loaded) do not make the dry run invalid.
        var argumentsOk = argumentsCheck["ok"] is not JsonValue checkedArguments || checkedArguments.GetValue<bool>();
        var valid = serverCheck["ok"]!.GetValue<bool>() && argumentsOk && credentialsCheck["ok"]!.GetValue<bool>();
        return new JsonObject
        {
            ["valid"] = valid,
            ["decision"] = verdict.Decision,
            ["wouldExecute"] = valid && verdict.Decision == ActionVerdict.Execute,
            ["verdict"] = verdict.ToJson(),
            ["checks"] = new JsonObject { ["server"] = serverCheck, ["arguments"] = argumentsCheck, ["credentials"] = credentialsCheck },
        };
    }

    private static JsonObject Check(bool ok, string message) => new() { ["ok"] = ok, ["message"] = message };
}
