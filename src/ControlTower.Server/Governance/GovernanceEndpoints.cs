using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Schemas;
using ControlTower.Server.Credentials;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Governance;

internal sealed record DryRunBody(Guid? WorkflowId, string? ActionType, string? Server, string? Tool, JsonObject? Arguments,
    JsonObject? Scope, string? RuleSetId, int? RuleSetVersion, JsonNode? Input, string? CredentialId);

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
        // A gate caps the trust stages under it and the kill switch forces them to observe: the scopes follow at once.
        admin.MapPut("/gates", async (GateBody body, ClaimsPrincipal user, GateService gates, Trust.TrustService trust, CancellationToken ct) =>
        {
            var gate = await gates.SetAsync(body, user.Actor(), ct);
            await trust.EvaluateAllAsync(ct);
            return TypedResults.Ok(gate);
        });
        admin.MapPut("/governance/kill-switch", async (KillSwitchBody body, ClaimsPrincipal user, GateService gates, Trust.TrustService trust, CancellationToken ct) =>
        {
            var killSwitch = await gates.SetKillSwitchAsync(body, user.Actor(), ct);
            await trust.EvaluateAllAsync(ct);
            return TypedResults.Ok(killSwitch);
        });

        var act = routes.MapGroup("/api").WithTags("Governance").RequireAuthorization(Policies.Operators);
        act.MapPost("/executions/{id:guid}/rollback", async (Guid id, RollbackBody body, ClaimsPrincipal user, GovernedRollbacks rollbacks, CancellationToken ct) =>
            TypedResults.Ok(await rollbacks.RollbackAsync(id, user.Actor(), body.Reason, ct)));
        act.MapPost("/governance/dry-run", DryRunAsync);
        return routes;
    }

    /// <summary>
    /// Validates a governed action without executing it: the verdict (kill switch, rules, gate; audited as
    /// <c>governance.dry_run</c>), whether the server is registered and enabled, the arguments against the tool's
    /// input schema (when its catalog is loaded), and whether the credentials it needs are available to the caller
    /// (<see cref="CredentialCheckAsync"/>).
    /// </summary>
    private static async Task<Ok<DryRunResult>> DryRunAsync(
        DryRunBody body, ClaimsPrincipal user, GovernedActions actions, McpServerRegistry servers, McpCatalog catalog, CredentialVault vault, CancellationToken ct)
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
            ? new DryRunCheck(null, "the server's tool catalog is not loaded yet; arguments are validated on the first call")
            : tool is null
                ? Check(false, $"'{body.Server}' has no tool '{body.Tool}'")
                : Check(violations.Count == 0, violations.Count == 0 ? "the arguments match the tool's input schema" : string.Join("; ", violations.Select(v => v.Message)));
        var credentialsCheck = await CredentialCheckAsync(body.CredentialId, server, body.Server, CredentialCaller.From(user), vault, ct);
        // Arguments not checkable yet (catalog not loaded) do not make the dry run invalid.
        var valid = serverCheck.Ok == true && argumentsCheck.Ok != false && credentialsCheck.Ok == true;
        return TypedResults.Ok(new DryRunResult(
            valid,
            verdict.Decision,
            valid && verdict.Decision == ActionVerdict.Execute,
            verdict.ToJson(),
            new DryRunChecks(serverCheck, argumentsCheck, credentialsCheck)));
    }

    /// <summary>
    /// The credential the action would use if the caller ran it (as <c>governed.action</c> picks it: <c>credentialId</c>,
    /// else the caller's credential bound to a server that names a <c>credentialType</c>): it exists, the caller may use it
    /// (own or shared; others' look like missing ones), and its type gives the server's transport something (env vars for
    /// stdio, headers for HTTP). Metadata only: nothing is decrypted, so nothing is audited as used. The check names the
    /// credential (id, name, type), never its secret.
    /// </summary>
    private static async Task<DryRunCheck> CredentialCheckAsync(
        string? requested, McpServerDefinition? server, string serverId, CredentialCaller caller, CredentialVault vault, CancellationToken ct)
    {
        Guid credentialId;
        if (requested is not null)
        {
            if (!Guid.TryParse(requested, out credentialId))
            {
                return Check(false, "credentialId is not a credential id (a UUID)");
            }
        }
        else if (server?.CredentialType is { } boundType)
        {
            if (await vault.FindForServerAsync(caller.UserId, serverId, boundType, ct) is not { } bound)
            {
                return Check(false, $"'{serverId}' needs a {boundType} credential and you have none for it");
            }

            credentialId = bound;
        }
        else
        {
            return Check(true, "no credential needed");
        }

        CredentialResponse credential;
        try
        {
            credential = await vault.GetAsync(caller, credentialId, ct);
        }
        catch (ControlTowerException ex) when (ex.Code == CredentialErrorCodes.NotFound)
        {
            return Check(false, $"no credential {credentialId} that you may use");
        }

        var type = Core.Crypto.CredentialTypes.Parse(credential.CredentialType);
        var (fits, carried) = server?.Transport switch
        {
            null => ((bool?)null, "the server is not registered"),
            McpTransportKind.Stdio => (NodeCredentials.FitsTransport(type, McpTransportKind.Stdio), "a stdio server takes credentials as environment variables"),
            { } kind => (NodeCredentials.FitsTransport(type, kind), "an HTTP server takes credentials as headers"),
        };
        var check = Check(fits != false, fits switch
        {
            true => $"'{credential.Name}' ({credential.CredentialType}, {credential.Access}) is usable: {carried}",
            false => $"'{credential.Name}' is {credential.CredentialType}, which gives this server nothing: {carried}",
            null => $"'{credential.Name}' ({credential.CredentialType}, {credential.Access}) is usable; its fit is unknown: {carried}",
        });
        return check with { Credential = GovernedActionExecutor.CredentialEvidence(credential) };
    }

    private static DryRunCheck Check(bool ok, string message) => new(ok, message);
}

/// <summary>
/// <c>POST /api/governance/dry-run</c>: whether the action would run. <c>Verdict</c> is the verdict as the audit log
/// records it (kill switch, rules, gate); <c>Valid</c> is false when a check failed.
/// </summary>
internal sealed record DryRunResult(bool Valid, string Decision, bool WouldExecute, JsonObject Verdict, DryRunChecks Checks);

internal sealed record DryRunChecks(DryRunCheck Server, DryRunCheck Arguments, DryRunCheck Credentials);

/// <summary>One check: <c>Ok</c> is null when it could not be made yet (the arguments before the tool catalog is loaded).</summary>
internal sealed record DryRunCheck(bool? Ok, string Message)
{
    /// <summary>The credential the action would use (id, name, type; never its secret), on the credentials check.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Credential { get; init; }
}
