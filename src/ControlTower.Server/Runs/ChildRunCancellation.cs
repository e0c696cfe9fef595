using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// Cascading cancel: when the engine cancels a subworkflow node's attempt (its run was cancelled, failed
/// elsewhere, or the node was reset), the child run it waits on is cancelled in the same transaction, and
/// so on down to the grandchildren (each child's own cancelled attempts go through every hook again, so
/// their approvals close too). Each cancelled child is audited by <c>system:subworkflows</c>.
/// A child's node attempt already running in a worker is not interrupted; its result is ignored because its
/// run has ended, and no new attempt starts (the child's tasks are deleted with the cancellation).
/// </summary>
internal sealed class ChildRunCancellation(WorkflowDefinitions definitions, AuditLog audit, IServiceProvider services) : ICancelledAttemptHook
{
    public async Task OnCancelledAsync(ControlTowerDbContext db, IReadOnlyList<CancelledAttempt> attempts, DateTime now, CancellationToken cancellationToken)
    {
        var events = new List<AuditEvent>();
        foreach (var attempt in attempts)
        {
            var children = await db.Set<RunEntity>()
                .Where(r => r.ParentRunId == attempt.RunId && r.ParentNodeId == attempt.NodeId && r.ParentAttempt == attempt.Attempt && r.FinishedAt == null)
                .ToListAsync(cancellationToken);
            foreach (var child in children)
            {
                var reason = $"parent run {attempt.RunId} node '{attempt.NodeId}' was cancelled ({attempt.Reason})";
                if (await CancelAsync(db, child, reason, now, cancellationToken))
                {
                    events.Add(new AuditEvent("system:subworkflows", "run.cancelled", $"run:{child.Id}", reason,
                        new JsonObject { ["parentRunId"] = attempt.RunId, ["parentNodeId"] = attempt.NodeId }));
                }
            }
        }

        if (events.Count > 0)
        {
            await audit.CommitAsync(db, events, cancellationToken);
        }
    }

    private async Task<bool> CancelAsync(ControlTowerDbContext db, RunEntity child, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var definition = await definitions.GetAsync(child.WorkflowId, child.WorkflowVersion, cancellationToken);
        var before = await RunStateRows.LoadAsync(db, child, cancellationToken);
        var result = RunScheduler.Apply(definition.Plan, before, new CancelRequested(new DateTimeOffset(now, TimeSpan.Zero), reason));
        if (result.Ignored is not null)
        {
            return false;
        }

        var cancelled = await RunTransitionWriter.WriteAsync(db, child, definition, before, result, now, null, cancellationToken);
        if (cancelled.Count > 0)
        {
            // Resolved here, not injected: the hooks include this one.
            foreach (var hook in services.GetServices<ICancelledAttemptHook>())
            {
                await hook.OnCancelledAsync(db, cancelled, now, cancellationToken);
            }
        }

        return true;
    }
}
