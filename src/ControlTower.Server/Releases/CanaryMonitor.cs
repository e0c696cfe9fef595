using System.Text.Json.Nodes;
using ControlTower.Core.Releases;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Releases;

/// <summary>What the canary check did to one workflow's release.</summary>
internal sealed record CanaryOutcome(Guid WorkflowId, CanaryDecision Decision);

/// <summary>
/// The canary's automatic check: for every canary release, both versions' numbers over the current step (runs started
/// since it began that have finished; replays and shadows excluded), Core's <see cref="CanaryJudge"/> decides, and an
/// advance, promotion or rollback is written with its audit entry (actor <c>release:canary</c>) in one transaction. The
/// release's revision guards against a person's change in between: that change wins, and the check looks again next time.
/// </summary>
internal sealed partial class CanaryMonitor(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    ReleaseMetrics metrics,
    WorkflowRoutes routes,
    TimeProvider time,
    ILogger<CanaryMonitor> logger)
{
    public const string Actor = "release:canary";
    private const int MaxSampledRuns = 50_000;

    public async Task<IReadOnlyList<CanaryOutcome>> EvaluateAsync(CancellationToken cancellationToken)
    {
        List<Guid> canaries;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            canaries = await db.Set<WorkflowReleaseEntity>().AsNoTracking().Where(r => r.Mode == "canary").Select(r => r.WorkflowId).ToListAsync(cancellationToken);
        }

        var outcomes = new List<CanaryOutcome>();
        foreach (var workflowId in canaries)
        {
            if (await EvaluateAsync(workflowId, cancellationToken) is { } outcome)
            {
                outcomes.Add(outcome);
            }
        }

        return outcomes;
    }

    /// <summary>Both versions' finished runs started since the step began.</summary>
    public async Task<(VersionSample Stable, VersionSample Candidate)> SamplesAsync(ControlTowerDbContext db, Guid workflowId, ReleaseState release, CancellationToken cancellationToken)
    {
        var since = release.PhaseStartedAt.UtcDateTime;
        var candidate = release.CandidateVersion ?? release.StableVersion;
        var rows = await db.Set<RunEntity>().AsNoTracking()
            .Where(r => r.WorkflowId == workflowId && r.CreatedAt >= since && r.Trigger != ReplayRecordings.Trigger
                && (r.WorkflowVersion == release.StableVersion || r.WorkflowVersion == candidate)
                && (r.Status == "completed" || r.Status == "failed"))
            .OrderByDescending(r => r.CreatedAt).Take(MaxSampledRuns)
            .Select(r => new { r.WorkflowVersion, r.Status, r.CreatedAt, r.FinishedAt })
            .ToListAsync(cancellationToken);
        VersionSample Of(int version) => VersionSample.From(rows.Where(r => r.WorkflowVersion == version)
            .Select(r => new RunSample(r.Status == "failed", r.FinishedAt is { } end ? (end - r.CreatedAt).TotalMilliseconds : null)));
        return (Of(release.StableVersion), Of(candidate));
    }

    private async Task<CanaryOutcome?> EvaluateAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var release = await db.Set<WorkflowReleaseEntity>().SingleOrDefaultAsync(r => r.WorkflowId == workflowId && r.Mode == "canary", cancellationToken);
        if (release is null)
        {
            return null;
        }

        var state = ReleasePolicyJson.ToState(release);
        var (stable, candidate) = await SamplesAsync(db, workflowId, state, cancellationToken);
        var now = time.GetUtcNow();
        var decision = CanaryJudge.Decide(state, stable, candidate, now);
        var data = new JsonObject
        {
            ["stableVersion"] = state.StableVersion,
            ["candidateVersion"] = state.CandidateVersion,
            ["step"] = state.StepIndex + 1,
            ["percent"] = state.CanaryPercent,
            ["stable"] = Numbers(stable),
            ["candidate"] = Numbers(candidate),
        };
        var auditEvent = Apply(release, decision, data, now.UtcDateTime);
        try
        {
            if (auditEvent is null)
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            else
            {
                release.Revision++;
                await audit.CommitAsync(db, auditEvent with { Target = WorkflowService.Target(workflowId) }, cancellationToken);
                await routes.InvalidateAsync(workflowId);
                Log.Decided(logger, workflowId, auditEvent.Action, decision.Reason);
                metrics.RecordChange(workflowId, decision switch
                {
                    CanaryDecision.Advance => "advanced",
                    CanaryDecision.Promote => "promoted",
                    _ => "auto_rolled_back",
                });
            }
        }
        catch (DbUpdateConcurrencyException)
        {
            Log.Raced(logger, workflowId);
            return null;
        }

        return new CanaryOutcome(workflowId, decision);
    }

    /// <summary>Writes the decision into the row; the audit entry for a change, null for a hold (only its reason is kept).</summary>
    private static AuditEvent? Apply(WorkflowReleaseEntity release, CanaryDecision decision, JsonObject data, DateTime now)
    {
        release.LastDecision = decision.Reason;
        switch (decision)
        {
            case CanaryDecision.Advance advance:
                release.StepIndex = advance.StepIndex;
                release.PhaseStartedAt = now;
                return Changed(release, now, "workflow.release_step_advanced", decision.Reason, data);
            case CanaryDecision.Promote:
                release.PreviousStableVersion = release.StableVersion;
                release.StableVersion = release.CandidateVersion!.Value;
                return Ended(release, now, "workflow.release_promoted", decision.Reason, data);
            case CanaryDecision.RollBack:
                data["automatic"] = true;
                return Ended(release, now, "workflow.release_rolled_back", decision.Reason, data);
            default:
                return null;
        }
    }

    private static AuditEvent Ended(WorkflowReleaseEntity release, DateTime now, string action, string reason, JsonObject data)
    {
        release.Mode = "direct";
        release.CandidateVersion = null;
        release.CanaryPolicy = null;
        release.StepIndex = 0;
        release.PhaseStartedAt = now;
        return Changed(release, now, action, reason, data);
    }

    private static AuditEvent Changed(WorkflowReleaseEntity release, DateTime now, string action, string reason, JsonObject data)
    {
        release.UpdatedAt = now;
        release.UpdatedBy = Actor;
        return new AuditEvent(Actor, action, "", reason, data);
    }

    private static JsonObject Numbers(VersionSample sample) => new()
    {
        ["finished"] = sample.Finished,
        ["failed"] = sample.Failed,
        ["errorRate"] = sample.ErrorRate,
        ["p95Ms"] = sample.P95Ms,
    };
}
