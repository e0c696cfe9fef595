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
                    events.Add(Event(id, attempt.RunId, attempt.NodeId, attempt.Attempt, attempt.Reason,
                        $"node '{attempt.NodeId}' attempt {attempt.Attempt} was cancelled: {attempt.Reason}"));
                }
            }
        }

        if (events.Count > 0)
        {
            await audit.CommitAsync(db, events, cancellationToken);
        }
    }

    /// <summary>The output of an approval closed because its attempt ended: <c>{ approvalId, outcome: cancelled, reason, decidedAt }</c>.</summary>
    public static string Output(Guid id, string reason, DateTime now) => new JsonObject
    {
        ["approvalId"] = id,
        ["outcome"] = ApprovalService.Cancelled,
        ["reason"] = reason,
        ["decidedAt"] = now,
    }.ToJsonString();

    /// <summary><c>approval.cancelled</c> by <c>system:approvals</c>, whichever path closed it.</summary>
    public static AuditEvent Event(Guid id, Guid runId, string nodeId, int attempt, string reason, string message) =>
        new("system:approvals", "approval.cancelled", $"approval:{id}", message,
            new JsonObject { ["runId"] = runId, ["nodeId"] = nodeId, ["attempt"] = attempt, ["reason"] = reason });

    private static async Task<bool> CloseAsync(ControlTowerDbContext db, Guid id, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var output = Output(id, reason, now);
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
