using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using ControlTower.Server.Trust;

namespace ControlTower.Server.Governance;

/// <summary>
/// <c>governed.action</c>: a proposed MCP tool call (<c>config.server</c>/<c>config.tool</c> with templated
/// <c>arguments</c>) judged before it runs: kill switch (→ <c>rejected</c>), rules (<c>config.ruleSetId</c>: deny →
/// <c>rejected</c>; require_approval → approval), gate for (workflow, <c>governed.action</c>, <c>config.actionType</c>)
/// (not authorized → approval). While the approval is pending the node waits; approved runs the node again, which
/// then executes; rejected or expired completes it as <c>rejected</c>. Output on <c>success</c>: the execution
/// (<c>id, result, before, after, diff, reversibleUntil, authorizedBy, credentialId</c>); on <c>rejected</c>: <c>{ reason, verdict | approval }</c>.
/// </summary>
/// <remarks>
/// Credentials as for <c>mcp.tool</c> (<see cref="NodeCredentials.ForMcpServerAsync"/>): <c>config.credentialId</c>, else the
/// acting user's credential bound to the server when its definition names a <c>credentialType</c>. It is checked (usable by the
/// run's acting user) before anything is judged, named (id, name, type; never the secret) in the approval's evidence, and
/// decrypted once per execution (audited <c>credential.used</c>) to reach the server as env vars (stdio) or headers (HTTP) for
/// the read-state calls and the action itself. A credential the user may not use fails the node with <c>credential.not_found</c>.
/// </remarks>
internal sealed class GovernedActionExecutor(GovernedActions actions, ApprovalService approvals, McpServerRegistry servers, CredentialVault vault, TrustService trust) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["governed.action"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var config = context.Config;
        var proposal = Proposal(context);
        var hooks = Hooks(config);
        CredentialResponse? credential;
        try
        {
            credential = await CredentialAsync(context, proposal.Server, cancellationToken);
        }
        catch (ControlTowerException ex) when (ex is not NodeFailureException)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, Retryable: false);
        }

        if (await approvals.LatestForNodeAsync(context.RunId, context.NodeId, cancellationToken) is { Status: ApprovalService.Approved } approved
            && !await actions.ApprovalUsedAsync(approved.Id, cancellationToken))
        {
            var approvedTrust = TrustOfApproval(approved);
            return await ExecuteAsync(context, proposal, hooks, credential, approved.Id, $"approval:{approved.Id}", approvedTrust, cancellationToken);
        }

        var actor = $"run:{context.RunId}";
        var reason = $"node '{context.NodeId}' proposes {proposal.Server}/{proposal.Tool}";
        var verdict = await actions.VerdictAsync(proposal, actor, cancellationToken);
        var scope = TrustService.ScopeFrom(proposal.Scope, proposal.ActionType);
        TrustResolution? resolution = null;
        if (scope is not null && verdict.Decision is ActionVerdict.Execute or ActionVerdict.ApprovalRequired)
        {
            resolution = await trust.ResolveAsync(scope, $"governed:{context.RunId}:{context.NodeId}:{context.Attempt}", Features(proposal), hooks.CompensationTool is not null,
                TrustService.Cap(verdict.Gate), verdict.Rules?.Evaluation is { RequiresApproval: true }, cancellationToken);
        }

        var proposalEvent = resolution is null ? null : trust.ProposalEvent(resolution, actor, "governed.action", context.RunId, context.NodeId);
        await actions.RecordVerdictAsync(proposal, verdict, proposalEvent, actor, "governance.action_proposed", reason, cancellationToken, resolution?.ToJson());
        if (scope is not null && verdict.Decision is ActionVerdict.Blocked)
        {
            // The kill switch forces the scope to observe; evaluating now records that change at once.
            await trust.EvaluateAsync(scope, cancellationToken);
        }

        var decision = resolution is null ? verdict.Decision : resolution.Mode.RunsWithoutWaiting ? ActionVerdict.Execute : ActionVerdict.ApprovalRequired;
        var trusted = resolution is null ? null : new TrustedExecution(resolution.Scope, resolution.ProposalId, resolution.Mode.Mode, resolution.Mode.Why);
        switch (decision)
        {
            case ActionVerdict.Execute:
                return await ExecuteAsync(context, proposal, hooks, credential, null,
                    resolution is null ? $"gate:{verdict.Gate.ScopeKey}" : $"trust:{resolution.Mode.Mode}", trusted, cancellationToken);
            case ActionVerdict.ApprovalRequired:
                var approval = await approvals.OpenAsync(ApprovalFor(context, proposal, verdict, credential, resolution), cancellationToken);
                if (scope is not null)
                {
                    await trust.EvaluateAsync(scope, cancellationToken);
                }

                var personal = trusted is null ? null : trusted with { Mode = Core.Trust.TrustModes.Person };
                return approval.Status switch
                {
                    ApprovalService.Pending => new NodeResult.Waiting(ApprovalExecutor.WaitReason, null,
                        new JsonObject { ["approvalId"] = approval.Id.ToString(), ["trust"] = resolution?.Evidence() }),
                    ApprovalService.Approved => await ExecuteAsync(context, proposal, hooks, credential, approval.Id, $"approval:{approval.Id}", personal, cancellationToken),
                    _ => Rejected(approval.Status, new JsonObject { ["approval"] = approval.Output is null ? null : JsonNode.Parse(approval.Output) }),
                };
            default:
                return Rejected(verdict.Decision, new JsonObject { ["verdict"] = verdict.ToJson() });
        }
    }

    /// <summary>The features a proposal is scored on: <c>config.features</c> rendered over the run (default: the arguments).</summary>
    private static JsonObject Features(ActionProposal proposal) =>
        (JsonObject)(proposal.Features ?? proposal.Arguments).DeepClone();

    /// <summary>The trust scope and proposal an approval was asked for (from its evidence), so the execution it allows is counted there.</summary>
    private static TrustedExecution? TrustOfApproval(ApprovalEntity approval)
    {
        if (approval.Evidence is null || JsonNode.Parse(approval.Evidence)?["trust"] is not JsonObject evidence
            || evidence["scopeKey"]?.GetValue<string>() is not { } key || evidence["proposalId"]?.GetValue<string>() is not { } proposalId)
        {
            return null;
        }

        return new TrustedExecution(TrustService.ParseKey(key), proposalId, Core.Trust.TrustModes.Person, $"approved by a person (approval {approval.Id}); {evidence["why"]}");
    }

    /// <summary>The credential the action will use (metadata only: no decrypt until it executes), or null when it needs none.</summary>
    private async Task<CredentialResponse?> CredentialAsync(NodeExecutionContext context, string server, CancellationToken cancellationToken)
    {
        if (await NodeCredentials.ForMcpServerAsync(context, vault, servers, server, cancellationToken) is not { } credentialId)
        {
            return null;
        }

        // Checked before anything is proposed: an approval for a call that cannot carry its credential would be wasted.
        return await NodeCredentials.DescribeForServerAsync(vault, servers.Get(server), context.ActingUserId, credentialId, cancellationToken);
    }

    private async Task<NodeResult> ExecuteAsync(
        NodeExecutionContext context, ActionProposal proposal, ActionHooks hooks, CredentialResponse? credential, Guid? approvalId, string authorizedBy, TrustedExecution? trusted,
        CancellationToken cancellationToken)
    {
        ExecutionView execution;
        try
        {
            var connection = credential is null
                ? McpCallContext.None
                : await NodeCredentials.WithMcpCredentialAsync(McpCallContext.None, vault, context.ActingUserId, credential,
                    NodeCredentials.Purpose(context, $"governed.action {proposal.ActionType} calls {proposal.Server}/{proposal.Tool}, authorized by {authorizedBy}"), cancellationToken);
            execution = await actions.ExecuteAsync(context, proposal, hooks, approvalId, authorizedBy, connection, cancellationToken, trusted);
        }
        catch (NodeFailureException) when (trusted is not null)
        {
            // The failed execution's trust event is committed; a failure streak demotes the scope now, not at its next proposal.
            await trust.EvaluateAsync(trusted.Scope, CancellationToken.None);
            throw;
        }
        catch (ControlTowerException ex) when (ex is not NodeFailureException)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, ex.Code is McpErrorCodes.TransportFailed or McpErrorCodes.Timeout or McpErrorCodes.CircuitOpen or McpErrorCodes.Overloaded
                or CredentialErrorCodes.OAuthTokenFailed);
        }

        var output = new JsonObject
        {
            ["executionId"] = execution.Id.ToString(),
            ["result"] = execution.Result?.DeepClone(),
            ["before"] = execution.Before?.DeepClone(),
            ["after"] = execution.After?.DeepClone(),
            ["diff"] = execution.Diff?.DeepClone(),
            ["reversibleUntil"] = execution.ReversibleUntil?.ToString("O"),
            ["authorizedBy"] = authorizedBy,
            ["credentialId"] = credential?.Id.ToString(),
            ["trust"] = trusted is null ? null : new JsonObject { ["scopeKey"] = trusted.Scope.Key, ["proposalId"] = trusted.ProposalId, ["mode"] = trusted.Mode, ["why"] = trusted.Why },
        };
        if (trusted is not null)
        {
            await trust.EvaluateAsync(trusted.Scope, cancellationToken);
        }

        return NodeResult.Success(JsonNode.Parse(output.ToJsonString()));
    }

    private static NodeResult.Completed Rejected(string reason, JsonObject detail)
    {
        detail["reason"] = reason;
        return new NodeResult.Completed("rejected", JsonNode.Parse(detail.ToJsonString()));
    }

    private static ActionProposal Proposal(NodeExecutionContext context)
    {
        var config = context.Config;
        var arguments = NodeExpressions.Render("arguments", config.OptionalObject("arguments") ?? [], context.Activation) as JsonObject ?? [];
        var scope = NodeExpressions.Render("scope", config.OptionalObject("scope") ?? [], context.Activation) as JsonObject ?? [];
        return new ActionProposal(context.WorkflowId, config.RequiredString("actionType"), config.RequiredString("server"), config.RequiredString("tool"),
            arguments, scope, config.OptionalString("ruleSetId"), config.OptionalInt("ruleSetVersion"), context.Activation["input"]?.DeepClone())
        {
            Features = config.OptionalObject("features") is { } template ? NodeExpressions.Render("features", template, context.Activation) as JsonObject ?? [] : null,
        };
    }

    private static ActionHooks Hooks(JsonObject config)
    {
        var read = config.OptionalObject("readState");
        var compensation = config.OptionalObject("compensation");
        return new ActionHooks(
            read?.RequiredString("tool"),
            read?.OptionalObject("arguments"),
            compensation?.RequiredString("tool"),
            compensation?.OptionalObject("arguments"),
            compensation?.OptionalInt("windowSeconds") ?? 86_400);
    }

    private static ApprovalRequest ApprovalFor(NodeExecutionContext context, ActionProposal proposal, ActionVerdict verdict, CredentialResponse? credential, TrustResolution? resolution)
    {
        var config = context.Config.OptionalObject("approval") ?? [];
        var title = config.OptionalString("title") is { } template
            ? NodeExpressions.RenderText("approval.title", template, context.Activation)
            : $"Allow {proposal.ActionType}: {proposal.Server}/{proposal.Tool}?";
        var evidence = new JsonObject
        {
            ["proposal"] = proposal.ToJson(),
            ["verdict"] = verdict.ToJson(),
            ["input"] = proposal.Input?.DeepClone(),
            ["features"] = proposal.Features?.DeepClone(),
            ["credential"] = CredentialEvidence(credential),
            ["trust"] = resolution?.Evidence(),
        };
        var why = resolution is null ? verdict.Why : $"{verdict.Why}; trust: {resolution.Mode.Why}";
        return ApprovalExecutor.Request(context, config, title, why, evidence);
    }

    /// <summary>What the approver is told about the credential the action will run with: which one and whose, never its secret.</summary>
    public static JsonObject? CredentialEvidence(CredentialResponse? credential) => credential is null ? null : new JsonObject
    {
        ["id"] = credential.Id.ToString(),
        ["name"] = credential.Name,
        ["credentialType"] = credential.CredentialType,
        ["ownerUserId"] = credential.OwnerUserId.ToString(),
        ["access"] = credential.Access,
    };
}
