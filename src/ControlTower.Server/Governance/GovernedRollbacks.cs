using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>
/// Rolls a governed execution back through its declared compensating call, once, inside its window. A rollback
/// attempt first claims the execution (<c>executed</c> → <c>rolling_back</c>, a conditional update recording who,
/// when, a claim id and a lease), so racing requests run the compensation once. Every claim ends in the audit log as
/// <c>governance.action_rolled_back</c> or <c>governance.rollback_failed</c> (with the error code):
/// a compensation that fails or is cancelled gives the claim back at once (<c>executed</c>, with
/// <see cref="ExecutionEntity.LastRollbackError"/>), so a person sees what happened and may retry while the window
/// is open; a claim whose process died is recognised by its lease (the server's call timeout plus a margin) and is
/// taken over by the next request, or settled back to <c>executed</c> when the window has closed meanwhile.
/// The compensation carries the idempotency key <c>rollback:{id}</c> on every attempt, so the server can tell a
/// retry after an unknown outcome from a new request.
/// </summary>
internal sealed class GovernedRollbacks(
    IDbContextFactory<ControlTowerDbContext> contexts,
    McpToolInvoker invoker,
    McpServerRegistry servers,
    ExecutionCredentials credentials,
    SecretRegistry secrets,
    AuditLog audit,
    Trust.TrustService trust,
    TimeProvider time)
{
    /// <summary>Beyond the compensating call's own timeout, the time a live attempt may need for its database writes.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromMinutes(1);

    private const string SystemActor = "system:governance";

    /// <summary>The claim one rollback attempt holds while its compensation runs.</summary>
    private sealed record Claim(Guid Id, ExecutionEntity Execution, DateTime StartedAt);

    public async Task<ExecutionView> RollbackAsync(Guid id, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.ReasonRequired, "A reason is required: it goes into the audit log.");
        }

        reason = reason.Trim();
        var claim = await ClaimAsync(id, actor, reason, cancellationToken);
        JsonObject result;
        try
        {
            result = await CompensateAsync(claim.Execution, actor, cancellationToken);
        }
        catch (Exception failure)
        {
            // Whatever stopped it (the tool, the transport, the caller going away, a bug), the claim is given back now.
            var code = failure switch
            {
                ControlTowerException known => known.Code,
                OperationCanceledException => GovernanceErrorCodes.RollbackInterrupted,
                _ => GovernanceErrorCodes.RollbackFailed,
            };
            await ReleaseAsync(claim, actor, reason, code, secrets.Redactor.Redact(failure.Message));
            if (failure is ControlTowerException { Code: not GovernanceErrorCodes.RollbackFailed } other)
            {
                throw new ControlTowerException(ErrorKind.Unavailable, GovernanceErrorCodes.RollbackFailed, $"The compensation call failed ({other.Code}): {other.Message}", other);
            }

            throw;
        }

        return await CompleteAsync(claim, actor, reason, result);
    }

    /// <summary>
    /// Takes the execution for this attempt, or refuses (audited) with the reason. An abandoned claim is recorded as
    /// interrupted first; then it is taken over, or settled back to <c>executed</c> if the rollback is refused anyway.
    /// </summary>
    private async Task<Claim> ClaimAsync(Guid id, string actor, string reason, CancellationToken cancellationToken)
    {
        // Each pass that loses the conditional update saw another request's committed claim or settlement, which the next pass reads.
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var row = await db.Set<ExecutionEntity>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw GovernedActions.NotFound(id);
            var now = time.GetUtcNow().UtcDateTime;
            var abandoned = row.Status == GovernedActions.RollingBack && !(row.RollbackLeaseUntil > now);
            var lastError = row.LastRollbackError;
            var events = new List<AuditEvent>();
            if (abandoned)
            {
                var message = $"The rollback started by {row.RollbackStartedBy ?? "an unknown actor"} at {Iso(row.RollbackStartedAt)} did not finish within its lease "
                    + $"({Iso(row.RollbackLeaseUntil)}); its process stopped, and whether the compensation took effect is unknown.";
                lastError = ErrorJson(GovernanceErrorCodes.RollbackInterrupted, message, row.RollbackStartedBy, row.RollbackStartedAt, now);
                events.Add(FailedEvent(SystemActor, row, message, GovernanceErrorCodes.RollbackInterrupted, message, row.RollbackStartedBy, row.RollbackStartedAt));
            }

            if (Refusal(row, abandoned, now) is { } refusal)
            {
                if (abandoned)
                {
                    await db.Set<ExecutionEntity>()
                        .Where(e => e.Id == id && e.Status == GovernedActions.RollingBack && e.RollbackClaimId == row.RollbackClaimId)
                        .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, GovernedActions.Executed)
                            .SetProperty(e => e.RollbackLeaseUntil, (DateTime?)null)
                            .SetProperty(e => e.LastRollbackError, lastError), cancellationToken);
                }

                events.Add(new AuditEvent(actor, "governance.rollback_refused", $"execution:{id}", reason, new JsonObject { ["code"] = refusal.Code }));
                await audit.CommitAsync(db, events, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                throw refusal;
            }

            var claim = new Claim(Guid.NewGuid(), row, now);
            var leaseUntil = now + CallTimeout(row.ServerId) + LeaseMargin;
            var taken = await db.Set<ExecutionEntity>()
                .Where(e => e.Id == id && e.Status == row.Status && e.RollbackClaimId == row.RollbackClaimId)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(e => e.Status, GovernedActions.RollingBack)
                        .SetProperty(e => e.RollbackClaimId, claim.Id)
                        .SetProperty(e => e.RollbackStartedAt, now)
                        .SetProperty(e => e.RollbackStartedBy, actor)
                        .SetProperty(e => e.RollbackLeaseUntil, leaseUntil)
                        .SetProperty(e => e.LastRollbackError, lastError),
                    cancellationToken) == 1;
            if (!taken)
            {
                continue;
            }

            events.Add(new AuditEvent(actor, "governance.rollback_started", $"execution:{id}", reason, new JsonObject
            {
                ["tool"] = $"{row.ServerId}/{row.CompensationTool}",
                ["leaseUntil"] = Iso(leaseUntil),
                ["takesOverAbandonedClaim"] = abandoned,
            }));
            await audit.CommitAsync(db, events, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return claim;
        }
    }

    private static ControlTowerException? Refusal(ExecutionEntity execution, bool abandoned, DateTime now) => execution switch
    {
        { CompensationTool: null } => new(ErrorKind.Conflict, GovernanceErrorCodes.NotReversible, $"Execution {execution.Id} declared no compensating call."),
        { Status: GovernedActions.RolledBack } => new(ErrorKind.Conflict, GovernanceErrorCodes.AlreadyRolledBack, $"Execution {execution.Id} is already rolled back."),
        { Status: GovernedActions.RollingBack } when !abandoned => new(ErrorKind.Conflict, GovernanceErrorCodes.RollbackInProgress,
            $"Execution {execution.Id} is being rolled back by {execution.RollbackStartedBy} since {Iso(execution.RollbackStartedAt)}; " +
                $"if that attempt stopped, it may be retried after {Iso(execution.RollbackLeaseUntil)}."),
        _ when !(execution.ReversibleUntil > now) => new(ErrorKind.Conflict, GovernanceErrorCodes.RollbackWindowClosed,
            $"Execution {execution.Id} was reversible until {Iso(execution.ReversibleUntil)}; it is {Iso(now)}."),
        _ => null,
    };

    /// <summary>
    /// The compensating call, with the credential the action itself used (resolved for the run's acting user, audited),
    /// its output masked before anything stores it.
    /// </summary>
    private async Task<JsonObject> CompensateAsync(ExecutionEntity execution, string actor, CancellationToken cancellationToken)
    {
        var arguments = JsonNode.Parse(execution.CompensationArguments ?? "{}")!.AsObject();
        var connection = await credentials.ForCompensationAsync(execution, actor, cancellationToken);
        var result = await invoker.CallAsync(execution.ServerId, execution.CompensationTool!, arguments, connection with { IdempotencyKey = $"rollback:{execution.Id}" }, cancellationToken);
        return result.IsError
            ? throw new ControlTowerException(ErrorKind.Unavailable, GovernanceErrorCodes.RollbackFailed,
                $"The compensation {execution.ServerId}/{execution.CompensationTool} reported an error: {result.ErrorMessage}")
            : (JsonObject)secrets.Redactor.Redact(result.Output)!;
    }

    /// <summary>Gives the claim back (<c>executed</c>, the error kept) unless a later attempt already took it over; audited either way.</summary>
    private async Task ReleaseAsync(Claim claim, string actor, string reason, string code, string message)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var error = ErrorJson(code, message, actor, claim.StartedAt, now);
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Set<ExecutionEntity>()
            .Where(e => e.Id == claim.Execution.Id && e.Status == GovernedActions.RollingBack && e.RollbackClaimId == claim.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, GovernedActions.Executed)
                .SetProperty(e => e.RollbackLeaseUntil, (DateTime?)null)
                .SetProperty(e => e.LastRollbackError, error), CancellationToken.None);
        await audit.CommitAsync(db, FailedEvent(actor, claim.Execution, reason, code, message, actor, claim.StartedAt), CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>
    /// Records the rollback while this attempt's claim still stands (also when an abandoned-claim settlement put it back
    /// to <c>executed</c>: the compensation did take effect). A claim taken over by a later attempt is left to that one.
    /// </summary>
    private async Task<ExecutionView> CompleteAsync(Claim claim, string actor, string reason, JsonObject result)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = claim.Execution.Id;
        var output = result.ToJsonString();
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var recorded = await db.Set<ExecutionEntity>()
            .Where(e => e.Id == id && e.RollbackClaimId == claim.Id && (e.Status == GovernedActions.RollingBack || e.Status == GovernedActions.Executed))
            .ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Status, GovernedActions.RolledBack)
                    .SetProperty(e => e.RolledBackAt, now)
                    .SetProperty(e => e.RolledBackBy, actor)
                    .SetProperty(e => e.RollbackReason, reason)
                    .SetProperty(e => e.RollbackResult, output)
                    .SetProperty(e => e.RollbackLeaseUntil, (DateTime?)null)
                    .SetProperty(e => e.LastRollbackError, (string?)null),
                CancellationToken.None) == 1;
        var execution = claim.Execution;
        if (!recorded)
        {
            const string Message = "The compensation finished after this attempt's lease, when a later attempt had taken the rollback over; that attempt records the outcome.";
            await audit.CommitAsync(db, FailedEvent(actor, execution, reason, GovernanceErrorCodes.RollbackInterrupted, Message, actor, claim.StartedAt), CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            throw new ControlTowerException(ErrorKind.Conflict, GovernanceErrorCodes.RollbackInProgress, Message);
        }

        var scope = execution.TrustScopeKey is { } key && execution.TrustProposalId is { } proposalId ? Trust.TrustService.ParseKey(key) : null;
        if (scope is not null)
        {
            // A rollback is a trust event; undoing what a stage ran without waiting is also a person overriding it (a veto).
            db.Add(trust.Event(scope, Core.Trust.TrustEventKinds.Rollback, execution.TrustProposalId!, null, actor, "rollback", runId: execution.RunId, nodeId: execution.NodeId, executionId: id));
            if (execution.TrustMode is { } mode && mode != Core.Trust.TrustModes.Person)
            {
                db.Add(trust.Event(scope, Core.Trust.TrustEventKinds.Override, execution.TrustProposalId!, null, actor, "rollback",
                    mode: mode, runId: execution.RunId, nodeId: execution.NodeId, executionId: id));
            }
        }

        await audit.CommitAsync(db, new AuditEvent(actor, "governance.action_rolled_back", $"execution:{id}", reason,
            new JsonObject { ["tool"] = $"{execution.ServerId}/{execution.CompensationTool}", ["runId"] = execution.RunId.ToString(), ["nodeId"] = execution.NodeId }), CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        if (scope is not null)
        {
            await trust.EvaluateAsync(scope, CancellationToken.None);
        }

        return GovernedActions.ToView(await db.Set<ExecutionEntity>().AsNoTracking().SingleAsync(e => e.Id == id, CancellationToken.None));
    }

    private TimeSpan CallTimeout(string serverId) => (servers.Get(serverId)?.Limits ?? McpServerLimits.Default).CallTimeout;

    private static AuditEvent FailedEvent(string actor, ExecutionEntity execution, string reason, string code, string message, string? startedBy, DateTime? startedAt) =>
        new(actor, "governance.rollback_failed", $"execution:{execution.Id}", reason, new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["startedBy"] = startedBy,
            ["startedAt"] = Iso(startedAt),
            ["tool"] = $"{execution.ServerId}/{execution.CompensationTool}",
        });

    private static string ErrorJson(string code, string message, string? by, DateTime? startedAt, DateTime at) => new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["by"] = by,
        ["startedAt"] = Iso(startedAt),
        ["at"] = Iso(at),
    }.ToJsonString();

    /// <summary>Round-trip UTC text; the databases hand back unspecified kinds.</summary>
    private static string? Iso(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null;
}
