using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>The approval's durable tasks: expiry, escalation, and feeding a closed approval's outcome to its run.</summary>
internal sealed partial class ApprovalService
{
    /// <summary>Carries out an <see cref="RunTaskKinds.Approval"/> task: expire, escalate, or resolve the run's node.</summary>
    public async Task ProcessTaskAsync(RunTaskEntity task, CancellationToken cancellationToken)
    {
        var payload = JsonNode.Parse(task.Payload ?? "{}")!.AsObject();
        var approvalId = payload["approvalId"]!.GetValue<Guid>();
        switch (payload["action"]?.GetValue<string>())
        {
            case ExpireAction:
                await ExpireAsync(task, approvalId, cancellationToken);
                break;
            case EscalateAction:
                await EscalateAsync(task, approvalId, cancellationToken);
                break;
            case ResolveAction:
                await ResolveAsync(task, approvalId, cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"Unknown approval task action in {task.Payload}.");
        }
    }

    private async Task ExpireAsync(RunTaskEntity task, Guid approvalId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var expired = await db.Set<ApprovalEntity>()
            .Where(a => a.Id == approvalId && a.Status == Pending && a.ExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Version, a => a.Version + 1), cancellationToken) == 1;
        await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken);
        Core.Trust.TrustScope? expiredScope = null;
        if (expired)
        {
            var approval = await db.Set<ApprovalEntity>().SingleAsync(a => a.Id == approvalId, cancellationToken);
            var decisions = await db.Set<ApprovalDecisionEntity>().AsNoTracking().Where(d => d.ApprovalId == approvalId).ToListAsync(cancellationToken);
            Close(db, approval, Expired, null, decisions, now);
            expiredScope = TrustDecision(db, approval, Expired, "system:approvals", now);
            await audit.CommitAsync(db, new AuditEvent("system:approvals", "approval.expired", $"approval:{approvalId}",
                $"no decision before {approval.ExpiresAt:O}", new JsonObject { ["runId"] = approval.RunId, ["nodeId"] = approval.NodeId }), cancellationToken);
            work.Notify();
        }

        await transaction.CommitAsync(cancellationToken);
        if (expiredScope is not null)
        {
            await trust.EvaluateAsync(expiredScope, cancellationToken);
        }
    }

    private async Task EscalateAsync(RunTaskEntity task, Guid approvalId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken);
        var approval = await db.Set<ApprovalEntity>().SingleAsync(a => a.Id == approvalId, cancellationToken);
        if (approval is { Status: Pending, EscalatedAt: null, EscalationRole: { } role })
        {
            approval.Roles = approval.Roles.Contains($",{role},", StringComparison.Ordinal) ? approval.Roles : $"{approval.Roles.TrimEnd(',')},{role},";
            approval.EscalatedAt = now;
            approval.Version++;
            await audit.CommitAsync(db, new AuditEvent("system:approvals", "approval.escalated", $"approval:{approvalId}",
                $"undecided after the escalation time: role '{role}' may now decide", new JsonObject { ["role"] = role, ["runId"] = approval.RunId }), cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Feeds a closed approval to its node: the outcome for an <c>approval</c> node; for a <c>governed.action</c>,
    /// approved runs the node again (which now executes) and anything else completes it as <c>rejected</c>.
    /// A node not yet parked (its executor's result is still being committed) is tried again shortly.
    /// </summary>
    private async Task ResolveAsync(RunTaskEntity task, Guid approvalId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var approval = await db.Set<ApprovalEntity>().AsNoTracking().SingleAsync(a => a.Id == approvalId, cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == approval.RunId, cancellationToken);
        var node = (await RunStateRows.LoadAsync(db, run, cancellationToken)).Nodes.FirstOrDefault(n => n.NodeId == approval.NodeId);
        if (node is { Status: NodeStatus.Running } && node.Attempt == approval.Attempt)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseOwner, (string?)null).SetProperty(t => t.LeaseExpiresAt, (DateTime?)null), cancellationToken);
            work.Notify();
            return;
        }

        var decision = approval.Output is null ? null : JsonNode.Parse(approval.Output);
        var output = RunTransitionWriter.ToElement(decision);
        // A governed action refused by a person ends like one refused by governance: { reason, approval }.
        var refusal = RunTransitionWriter.ToElement(new JsonObject { ["reason"] = approval.Status, ["approval"] = decision?.DeepClone() });
        await transitions.ApplyAsync(
            approval.RunId,
            now => (approval.NodeType, approval.Status) switch
            {
                ("governed.action", Approved) => new NodeRetryRequested(approval.NodeId, now),
                ("governed.action", _) => new NodeCompleted(approval.NodeId, approval.Attempt, Rejected, refusal, now),
                _ => new NodeCompleted(approval.NodeId, approval.Attempt, approval.Status, output, now),
            },
            async scope => await scope.Db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken),
            cancellationToken);
    }
}
