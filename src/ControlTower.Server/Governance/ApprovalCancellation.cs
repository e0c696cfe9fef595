using System.Text.Json.Nodes;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>
/// Closes the pending approvals of node attempts the engine cancelled (run cancelled or failed elsewhere,
/// a loop iteration or a retry resetting the node), in the cancelling transaction: they leave the inbox,
/// deciding one is <c>approval.closed</c>, and each closing is audited with the engine's reason.
/// A decision racing the cancellation is settled on the row: whichever changes it from pending first wins.
/// </summary>
internal sealed class ApprovalCancellation(AuditLog audit) : ICancelledAttemptHook
{
    public async Task OnCancelledAsync(ControlTowerDbContext db, IReadOnlyList<CancelledAttempt> attempts, DateTime now, CancellationToken cancellationToken)
    {
        var events = new List<AuditEvent>();
        foreach (var attempt in attempts)
        {
            var pending = await db.Set<ApprovalEntity>().AsNoTracking()
                .Where(a => a.RunId == attempt.RunId && a.NodeId == attempt.NodeId && a.Attempt == attempt.Attempt && a.Status == ApprovalService.Pending)
                .Select(a => a.Id)
                .ToListAsync(cancellationToken);
            foreach (var id in pending)
            {
                if (await CloseAsync(db, id, attempt.Reason, now, cancellationToken))
                {
                    events.Add(new AuditEvent("system:approvals", "approval.cancelled", $"approval:{id}",
                        $"node '{attempt.NodeId}' attempt {attempt.Attempt} was cancelled: {attempt.Reason}",
                        new JsonObject { ["runId"] = attempt.RunId, ["nodeId"] = attempt.NodeId, ["attempt"] = attempt.Attempt, ["reason"] = attempt.Reason }));
                }
            }
        }

        if (events.Count > 0)
        {
            await audit.CommitAsync(db, events, cancellationToken);
        }
    }

    private static async Task<bool> CloseAsync(ControlTowerDbContext db, Guid id, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var output = new JsonObject
        {
            ["approvalId"] = id,
            ["outcome"] = ApprovalService.Cancelled,
            ["reason"] = reason,
            ["decidedAt"] = now,
        }.ToJsonString();
        return await db.Set<ApprovalEntity>()
            .Where(a => a.Id == id && a.Status == ApprovalService.Pending)
            .ExecuteUpdateAsync(
                s => s.SetProperty(a => a.Status, ApprovalService.Cancelled)
                    .SetProperty(a => a.ResolvedAt, now)
                    .SetProperty(a => a.Output, output)
                    .SetProperty(a => a.Version, a => a.Version + 1),
                cancellationToken) == 1;
    }
}
