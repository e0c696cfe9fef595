using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Governance;
using ControlTower.Server.Audit;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Rules;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>A proposed tool call under governance, with the scope it is judged in.</summary>
internal sealed record ActionProposal(Guid? WorkflowId, string ActionType, string Server, string Tool, JsonObject Arguments, JsonObject Scope, string? RuleSetId, int? RuleSetVersion, JsonNode? Input)
{
    /// <summary>The node's rendered <c>features</c> (the case's facts the trust models score), when it declares them; rules see them too.</summary>
    public JsonObject? Features { get; init; }

    public JsonObject ToJson() => new()
    {
        ["workflowId"] = WorkflowId?.ToString(),
        ["actionType"] = ActionType,
        ["server"] = Server,
        ["tool"] = Tool,
        ["arguments"] = Arguments.DeepClone(),
        ["scope"] = Scope.DeepClone(),
    };

    /// <summary>What the rule set sees: <c>actionType, server, tool, arguments, scope, workflowId, input</c> and <c>features</c> (an empty object when the node declares none).</summary>
    public JsonObject RuleInput()
    {
        var json = ToJson();
        json["input"] = Input?.DeepClone();
        json["features"] = Features?.DeepClone() ?? new JsonObject();
        return json;
    }
}

/// <summary>
/// What governance says about a proposal: <c>blocked</c> (kill switch), <c>denied</c> (a deny rule),
/// <c>approval_required</c> (a require_approval rule, or no authorized gate) or <c>execute</c>.
/// </summary>
internal sealed record ActionVerdict(string Decision, bool KillSwitch, GateDecision Gate, RuleRun? Rules, string Why)
{
    public const string Blocked = "blocked";
    public const string Denied = "denied";
    public const string ApprovalRequired = "approval_required";
    public const string Execute = "execute";

    public JsonObject ToJson() => new()
    {
        ["decision"] = Decision,
        ["why"] = Why,
        ["killSwitch"] = KillSwitch,
        ["gate"] = Gate.ToJson(),
        ["rules"] = Rules?.ToJson(),
    };
}

/// <summary>How to read state before and after, and how to undo the action; both calls go to the action's server.</summary>
internal sealed record ActionHooks(string? ReadTool, JsonObject? ReadArguments, string? CompensationTool, JsonObject? CompensationArguments, int WindowSeconds);

internal sealed record ExecutionView(
    Guid Id, Guid RunId, string NodeId, int Attempt, Guid WorkflowId, string ActionType, string Server, string Tool, JsonNode? Arguments,
    JsonNode? Result, JsonNode? Before, JsonNode? After, JsonNode? Diff, string? CompensationTool, JsonNode? CompensationArguments,
    DateTimeOffset? ReversibleUntil, Guid? ApprovalId, string AuthorizedBy, string Status, DateTimeOffset CreatedAt,
    DateTimeOffset? RolledBackAt, string? RolledBackBy, string? RollbackReason, JsonNode? RollbackResult,
    DateTimeOffset? RollbackStartedAt, string? RollbackStartedBy, DateTimeOffset? RollbackLeaseUntil, JsonNode? LastRollbackError,
    string? TrustScopeKey = null, string? TrustProposalId = null, string? TrustMode = null, string? TrustWhy = null);

internal sealed record RollbackBody(string? Reason);

/// <summary>A governed action that runs under a trust scope: which proposal, the mode that let it run (<c>person</c> or a stage) and why.</summary>
internal sealed record TrustedExecution(Core.Trust.TrustScope Scope, string ProposalId, string Mode, string Why);

/// <summary>
/// Judges governed actions (kill switch, then rules, then gate: a deny or require_approval rule wins over an
/// authorized gate) and executes them recording before-state, after-state and diff (rollback: <see cref="GovernedRollbacks"/>).
/// Every step is audited with actor and reason.
/// </summary>
internal sealed class GovernedActions(
    IDbContextFactory<ControlTowerDbContext> contexts,
    GateService gates,
    RuleSetService rules,
    McpToolInvoker invoker,
    Credentials.SecretRegistry secrets,
    AuditLog audit,
    Trust.TrustService trust,
    TimeProvider time)
{
    public const string Executed = "executed";
    public const string RollingBack = "rolling_back";
    public const string RolledBack = "rolled_back";

    /// <summary>The verdict, audited as <paramref name="auditAction"/> by <paramref name="actor"/>.</summary>
    public async Task<ActionVerdict> JudgeAsync(ActionProposal proposal, string actor, string auditAction, string reason, CancellationToken cancellationToken)
    {
        var verdict = await VerdictAsync(proposal, actor, cancellationToken);
        await RecordVerdictAsync(proposal, verdict, null, actor, auditAction, reason, cancellationToken);
        return verdict;
    }

    /// <summary>
    /// Audits a verdict as <paramref name="auditAction"/>; with a trust resolution, its mode goes into the entry and its
    /// proposal event (features, predictions, model versions) commits in the same transaction.
    /// </summary>
    public async Task RecordVerdictAsync(ActionProposal proposal, ActionVerdict verdict, Trust.TrustEventEntity? proposalEvent, string actor,
        string auditAction, string reason, CancellationToken cancellationToken, JsonObject? trust = null)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var data = verdict.ToJson();
        data["proposal"] = proposal.ToJson();
        data["trust"] = trust;
        if (proposalEvent is not null)
        {
            db.Add(proposalEvent);
        }

        var why = trust?["why"] is { } mode ? $"{verdict.Decision} ({verdict.Why}); trust: {mode}" : $"{verdict.Decision} ({verdict.Why})";
        await audit.CommitAsync(db, new AuditEvent(actor, auditAction, $"action:{proposal.ActionType}", $"{reason}: {why}", data), cancellationToken);
    }

    public async Task<ActionVerdict> VerdictAsync(ActionProposal proposal, string actor, CancellationToken cancellationToken)
    {
        var killSwitch = await gates.KillSwitchAsync(cancellationToken);
        var gate = await gates.ResolveAsync(proposal.WorkflowId, "governed.action", proposal.ActionType, cancellationToken);
        if (killSwitch.Engaged)
        {
            return new ActionVerdict(ActionVerdict.Blocked, true, gate, null, $"the kill switch is engaged: {killSwitch.Reason}");
        }

        var ruleRun = proposal.RuleSetId is { } ruleSetId
            ? await rules.EvaluateAsync(ruleSetId, proposal.RuleSetVersion, proposal.RuleInput(), actor, $"governed action '{proposal.ActionType}' proposed", cancellationToken)
            : null;
        if (ruleRun?.Evaluation is { Denied: true } denied)
        {
            return new ActionVerdict(ActionVerdict.Denied, false, gate, ruleRun, $"denied by rule(s) {Ids(denied.Matched.Where(r => r.Action.Type == Core.Rules.RuleActionType.Deny))}");
        }

        if (ruleRun?.Evaluation is { RequiresApproval: true } required)
        {
            return new ActionVerdict(ActionVerdict.ApprovalRequired, false, gate, ruleRun,
                $"rule(s) {Ids(required.Matched.Where(r => r.Action.Type == Core.Rules.RuleActionType.RequireApproval))} require approval whatever the gate says");
        }

        return gate.Authorized
            ? new ActionVerdict(ActionVerdict.Execute, false, gate, ruleRun, gate.Why)
            : new ActionVerdict(ActionVerdict.ApprovalRequired, false, gate, ruleRun, gate.Why);
    }

    /// <summary>Whether an approval already let an action run (so a loop's next pass asks again).</summary>
    public async Task<bool> ApprovalUsedAsync(Guid approvalId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<ExecutionEntity>().AnyAsync(e => e.ApprovalId == approvalId, cancellationToken);
    }

    /// <summary>
    /// Calls the tool (with the attempt's idempotency key), reading state before and after when <paramref name="hooks"/>
    /// say how, and records the execution with its diff and, when a compensation is declared, <c>reversible_until</c>.
    /// A tool that reports an error fails with <c>mcp.tool_error</c>; nothing is recorded as executed. Every call goes over
    /// <paramref name="connection"/> (its credential's env vars or headers, <see cref="McpCallContext.None"/> when none).
    /// </summary>
    public async Task<ExecutionView> ExecuteAsync(
        Nodes.NodeExecutionContext context, ActionProposal proposal, ActionHooks hooks, Guid? approvalId, string authorizedBy, McpCallContext connection, CancellationToken cancellationToken,
        TrustedExecution? trusted = null)
    {
        var call = connection with { IdempotencyKey = context.IdempotencyKey };
        var started = time.GetTimestamp();
        var before = hooks.ReadTool is { } readTool ? await ReadAsync(proposal.Server, readTool, hooks.ReadArguments, context.Activation, connection, cancellationToken) : null;
        var result = await invoker.CallAsync(proposal.Server, proposal.Tool, proposal.Arguments, call, cancellationToken);
        if (result.IsError)
        {
            await using var failed = await contexts.CreateDbContextAsync(cancellationToken);
            if (trusted is not null)
            {
                failed.Add(TrustExecutionEvent(trusted, context, null, Core.Trust.TrustEventKinds.Failed, time.GetElapsedTime(started)));
            }

            await audit.CommitAsync(failed, new AuditEvent($"run:{context.RunId}", "governance.action_failed", $"action:{proposal.ActionType}",
                secrets.Redact(result.ErrorMessage ?? "the tool reported an error"), new JsonObject { ["proposal"] = proposal.ToJson(), ["nodeId"] = context.NodeId }), cancellationToken);
            throw new Nodes.NodeFailureException(Nodes.NodeErrorCodes.McpToolError, result.ErrorMessage ?? $"Tool '{proposal.Server}/{proposal.Tool}' reported an error.");
        }

        var after = hooks.ReadTool is { } again ? await ReadAsync(proposal.Server, again, hooks.ReadArguments, context.Activation, connection, cancellationToken) : null;
        var diff = hooks.ReadTool is null ? null : new JsonArray([.. JsonDiff.Compare(before, after).Select(c => (JsonNode)c.ToJson())]);
        var resultState = State(result.Output);
        JsonObject? compensationArguments = null;
        if (hooks.CompensationTool is not null)
        {
            var scope = (JsonObject)context.Activation.DeepClone();
            scope["result"] = resultState?.DeepClone();
            compensationArguments = Nodes.NodeExpressions.Render("compensation.arguments", hooks.CompensationArguments ?? [], scope) as JsonObject ?? [];
        }

        // What the server answered may echo the credential it was called with: the stored copies are masked.
        var redactor = secrets.Redactor;
        var now = time.GetUtcNow().UtcDateTime;
        var execution = new ExecutionEntity
        {
            Id = Guid.NewGuid(),
            RunId = context.RunId,
            NodeId = context.NodeId,
            Attempt = context.Attempt,
            WorkflowId = context.WorkflowId,
            ActionType = proposal.ActionType,
            ServerId = proposal.Server,
            Tool = proposal.Tool,
            Arguments = proposal.Arguments.ToJsonString(),
            Result = redactor.Redact(result.Output)!.ToJsonString(),
            BeforeState = redactor.Redact(before)?.ToJsonString(),
            AfterState = redactor.Redact(after)?.ToJsonString(),
            Diff = redactor.Redact(diff)?.ToJsonString(),
            CompensationTool = hooks.CompensationTool,
            CompensationArguments = compensationArguments?.ToJsonString(),
            ReversibleUntil = hooks.CompensationTool is null ? null : now.AddSeconds(hooks.WindowSeconds),
            ApprovalId = approvalId,
            AuthorizedBy = authorizedBy,
            Status = Executed,
            CreatedAt = now,
            TrustScopeKey = trusted?.Scope.Key,
            TrustProposalId = trusted?.ProposalId,
            TrustMode = trusted?.Mode,
            TrustWhy = trusted?.Why is { Length: > 1000 } longWhy ? longWhy[..1000] : trusted?.Why,
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Add(execution);
        if (trusted is not null)
        {
            db.Add(TrustExecutionEvent(trusted, context, execution.Id, Core.Trust.TrustEventKinds.Succeeded, time.GetElapsedTime(started)));
        }

        await audit.CommitAsync(db, new AuditEvent($"run:{context.RunId}", "governance.action_executed", $"execution:{execution.Id}",
            $"{proposal.Server}/{proposal.Tool} ran, authorized by {authorizedBy}",
            new JsonObject
            {
                ["proposal"] = proposal.ToJson(),
                ["nodeId"] = context.NodeId,
                ["approvalId"] = approvalId?.ToString(),
                ["changes"] = diff?.Count,
                ["reversibleUntil"] = execution.ReversibleUntil?.ToString("O"),
                ["credentialId"] = connection.CredentialKey,
                ["trust"] = trusted is null ? null : new JsonObject { ["scopeKey"] = trusted.Scope.Key, ["proposalId"] = trusted.ProposalId, ["mode"] = trusted.Mode, ["why"] = trusted.Why },
            }), cancellationToken);
        return ToView(execution);
    }

    public async Task<ExecutionView> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return ToView(await db.Set<ExecutionEntity>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw NotFound(id));
    }

    public async Task<IReadOnlyList<ExecutionView>> ListAsync(Guid? runId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var executions = db.Set<ExecutionEntity>().AsNoTracking();
        if (runId is { } run)
        {
            executions = executions.Where(e => e.RunId == run);
        }

        var rows = await executions.OrderByDescending(e => e.CreatedAt).Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);
        return [.. rows.Select(ToView)];
    }

    private Trust.TrustEventEntity TrustExecutionEvent(TrustedExecution trusted, Nodes.NodeExecutionContext context, Guid? executionId, string result, TimeSpan duration) =>
        trust.Event(trusted.Scope, Core.Trust.TrustEventKinds.Execution, trusted.ProposalId, result, $"run:{context.RunId}", "governed.action",
            durationMs: duration.TotalMilliseconds, mode: trusted.Mode, runId: context.RunId, nodeId: context.NodeId, executionId: executionId);

    private async Task<JsonNode?> ReadAsync(string server, string tool, JsonObject? template, JsonObject activation, McpCallContext connection, CancellationToken cancellationToken)
    {
        var arguments = Nodes.NodeExpressions.Render("readState.arguments", template ?? [], activation) as JsonObject ?? [];
        var result = await invoker.CallAsync(server, tool, arguments, connection, cancellationToken);
        return result.IsError
            ? throw new Nodes.NodeFailureException(GovernanceErrorCodes.ReadStateFailed, $"Reading state with {server}/{tool} failed: {result.ErrorMessage}")
            : State(result.Output);
    }

    /// <summary>A tool result as state: its structured content, else its one text block parsed as JSON, else its content.</summary>
    public static JsonNode? State(JsonObject output)
    {
        if (output["structuredContent"] is { } structured)
        {
            return structured.DeepClone();
        }

        if (output["content"] is JsonArray { Count: 1 } content && content[0]?["text"] is JsonValue text && text.TryGetValue<string>(out var s))
        {
            try
            {
                return JsonNode.Parse(s);
            }
            catch (JsonException)
            {
                return JsonValue.Create(s);
            }
        }

        return output["content"]?.DeepClone();
    }

    private static string Ids(IEnumerable<Core.Rules.Rule> rules) => string.Join(", ", rules.Select(r => r.Id));

    public static ControlTowerException NotFound(Guid id) => new(ErrorKind.NotFound, GovernanceErrorCodes.ExecutionNotFound, $"No governed execution {id}.");

    public static ExecutionView ToView(ExecutionEntity e) => new(
        e.Id, e.RunId, e.NodeId, e.Attempt, e.WorkflowId, e.ActionType, e.ServerId, e.Tool, Parse(e.Arguments), Parse(e.Result), Parse(e.BeforeState), Parse(e.AfterState),
        Parse(e.Diff), e.CompensationTool, Parse(e.CompensationArguments), Utc(e.ReversibleUntil), e.ApprovalId, e.AuthorizedBy, e.Status, Utc(e.CreatedAt)!.Value,
        Utc(e.RolledBackAt), e.RolledBackBy, e.RollbackReason, Parse(e.RollbackResult),
        Utc(e.RollbackStartedAt), e.RollbackStartedBy, Utc(e.RollbackLeaseUntil), Parse(e.LastRollbackError),
        e.TrustScopeKey, e.TrustProposalId, e.TrustMode, e.TrustWhy);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
