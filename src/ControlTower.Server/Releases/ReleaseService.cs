using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Releases;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Releases;

/// <summary>
/// What people do with a workflow's release: read it (with the canary's numbers), set it (direct, canary, shadow) and
/// roll it back. Changing it needs the workflow's owner, an editor or an admin, as saving does; every change is audited
/// in the transaction that makes it. Runs already started keep the version they pinned.
/// </summary>
internal sealed class ReleaseService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    CanaryMonitor canary,
    ReleaseMetrics metrics,
    AuditLog audit,
    WorkflowRoutes routes,
    TimeProvider time)
{
    public async Task<ReleaseView> GetAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindWorkflowAsync(db, workflowId, cancellationToken);
        var release = await db.Set<WorkflowReleaseEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.WorkflowId == workflowId, cancellationToken);
        return await ViewAsync(db, workflow, release, cancellationToken);
    }

    public async Task<ReleaseView> PutAsync(WorkflowCaller caller, Guid workflowId, PutReleaseRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindWorkflowAsync(db, workflowId, cancellationToken);
        await WorkflowSharing.EnsureCanEditAsync(db, workflow, caller, "release versions of", cancellationToken);
        var mode = ParseMode(request.Mode);
        await definitions.GetAsync(workflowId, request.Version, cancellationToken);
        var release = await db.Set<WorkflowReleaseEntity>().SingleOrDefaultAsync(r => r.WorkflowId == workflowId, cancellationToken);
        var live = ReleaseRouter.LiveVersion(workflow.LatestVersion, release);
        var policy = mode == ReleaseMode.Canary ? Policy(request) : null;
        if (mode != ReleaseMode.Direct && request.Version == live)
        {
            throw Invalid($"Version {request.Version} is already the stable version: a {request.Mode} needs another version as its candidate.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        release = Track(db, release, workflowId, caller.Actor);
        var stable = mode == ReleaseMode.Direct ? request.Version : live;
        release.PreviousStableVersion = stable != live ? live : release.PreviousStableVersion;
        release.Mode = ReleasePolicyJson.ModeName(mode);
        release.StableVersion = stable;
        release.CandidateVersion = mode == ReleaseMode.Direct ? null : request.Version;
        release.CanaryPolicy = policy is null ? null : ReleasePolicyJson.Serialize(policy);
        release.StepIndex = 0;
        release.PhaseStartedAt = now;
        release.LastDecision = request.Reason;
        var data = new JsonObject { ["mode"] = release.Mode, ["stableVersion"] = stable, ["candidateVersion"] = release.CandidateVersion, ["fromVersion"] = live };
        if (policy is not null)
        {
            data["canary"] = JsonNode.Parse(ReleasePolicyJson.Serialize(policy));
        }

        await CommitAsync(db, release, now, caller.Actor, new AuditEvent(caller.Actor, "workflow.release_changed", WorkflowService.Target(workflowId),
            request.Reason ?? $"version {request.Version} released ({release.Mode})", data), cancellationToken);
        metrics.RecordChange(workflowId, "released");
        return await ViewAsync(db, workflow, release, cancellationToken);
    }

    /// <summary>
    /// Instant rollback: <see cref="RollbackReleaseRequest.Version"/> (any saved version) becomes the stable version and
    /// takes every new run; without one, a canary or shadow is stopped (stable keeps every run), and a direct release goes
    /// back to the stable version before it.
    /// </summary>
    public async Task<ReleaseView> RollbackAsync(WorkflowCaller caller, Guid workflowId, RollbackReleaseRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindWorkflowAsync(db, workflowId, cancellationToken);
        await WorkflowSharing.EnsureCanEditAsync(db, workflow, caller, "roll back", cancellationToken);
        var release = await db.Set<WorkflowReleaseEntity>().SingleOrDefaultAsync(r => r.WorkflowId == workflowId, cancellationToken);
        var live = ReleaseRouter.LiveVersion(workflow.LatestVersion, release);
        var target = request.Version ?? DefaultRollbackTarget(release, live);
        await definitions.GetAsync(workflowId, target, cancellationToken);
        var aborted = release?.CandidateVersion;
        var now = time.GetUtcNow().UtcDateTime;
        release = Track(db, release, workflowId, caller.Actor);
        release.PreviousStableVersion = target != live ? live : release.PreviousStableVersion;
        release.Mode = ReleasePolicyJson.ModeName(ReleaseMode.Direct);
        release.StableVersion = target;
        release.CandidateVersion = null;
        release.CanaryPolicy = null;
        release.StepIndex = 0;
        release.PhaseStartedAt = now;
        release.LastDecision = request.Reason ?? $"rolled back to version {target}";
        await CommitAsync(db, release, now, caller.Actor, new AuditEvent(caller.Actor, "workflow.release_rolled_back", WorkflowService.Target(workflowId),
            release.LastDecision, new JsonObject { ["fromVersion"] = live, ["toVersion"] = target, ["abortedCandidate"] = aborted, ["automatic"] = false }), cancellationToken);
        metrics.RecordChange(workflowId, "rolled_back");
        return await ViewAsync(db, workflow, release, cancellationToken);
    }

    private static int DefaultRollbackTarget(WorkflowReleaseEntity? release, int live) => release switch
    {
        { CandidateVersion: not null } => release.StableVersion,
        { PreviousStableVersion: { } previous } => previous,
        null when live > 1 => live - 1,
        _ => throw new ControlTowerException(ErrorKind.Conflict, ReleaseErrorCodes.NothingToRollBack,
            $"Version {live} takes every new run and there is no earlier stable version: name the version to roll back to."),
    };

    private static WorkflowReleaseEntity Track(ControlTowerDbContext db, WorkflowReleaseEntity? release, Guid workflowId, string actor)
    {
        if (release is null)
        {
            release = new WorkflowReleaseEntity { WorkflowId = workflowId, Mode = "direct", UpdatedBy = actor };
            db.Add(release);
        }

        return release;
    }

    private async Task CommitAsync(ControlTowerDbContext db, WorkflowReleaseEntity release, DateTime now, string actor, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        release.Revision++;
        release.UpdatedAt = now;
        release.UpdatedBy = actor;
        try
        {
            await audit.CommitAsync(db, auditEvent, cancellationToken);
        }
        catch (DbUpdateException changed) when (changed is DbUpdateConcurrencyException || UniqueViolations.ConflictCode(changed) is not null)
        {
            throw new ControlTowerException(ErrorKind.Conflict, ReleaseErrorCodes.Changed, "The release changed while this request was deciding; reload it and try again.", changed);
        }

        await routes.InvalidateAsync(release.WorkflowId);
    }

    private async Task<ReleaseView> ViewAsync(ControlTowerDbContext db, WorkflowEntity workflow, WorkflowReleaseEntity? release, CancellationToken cancellationToken)
    {
        if (release is null)
        {
            return new ReleaseView(workflow.Id, "latest", workflow.LatestVersion, null, null, workflow.LatestVersion, null, null, null, null, null);
        }

        var state = ReleasePolicyJson.ToState(release);
        var canaryView = state is { Mode: ReleaseMode.Canary, Canary: { } policy, CandidateVersion: { } candidate }
            ? await CanaryViewAsync(db, workflow.Id, state, policy, candidate, cancellationToken)
            : null;
        return new ReleaseView(workflow.Id, release.Mode, release.StableVersion, release.CandidateVersion, release.PreviousStableVersion, workflow.LatestVersion,
            state.PhaseStartedAt, release.LastDecision, new DateTimeOffset(release.UpdatedAt, TimeSpan.Zero), release.UpdatedBy, canaryView);
    }

    private async Task<CanaryView> CanaryViewAsync(ControlTowerDbContext db, Guid workflowId, ReleaseState state, CanaryPolicy policy, int candidate, CancellationToken cancellationToken)
    {
        var (stableSample, candidateSample) = await canary.SamplesAsync(db, workflowId, state, cancellationToken);
        return new CanaryView(state.StepIndex + 1, state.CanaryPercent, state.PhaseStartedAt, state.PhaseStartedAt + policy.StepPause,
            VersionSampleView.From(state.StableVersion, stableSample), VersionSampleView.From(candidate, candidateSample), CanaryPolicyView.From(policy));
    }

    private static CanaryPolicy Policy(PutReleaseRequest request)
    {
        var defaults = CanaryPolicy.Default;
        var policy = new CanaryPolicy(
            request.Steps ?? defaults.Steps,
            request.StepPauseSeconds is not { } seconds ? defaults.StepPause
                : double.IsFinite(seconds) && seconds is >= 0 and <= 7 * 86_400 ? TimeSpan.FromSeconds(seconds) : TimeSpan.MinValue,
            request.MinRunsPerStep ?? defaults.MinRunsPerStep,
            request.MaxErrorRateIncrease ?? defaults.MaxErrorRateIncrease,
            request.MaxLatencyRatio ?? defaults.MaxLatencyRatio);
        var problems = policy.Problems();
        return problems.Count == 0 ? policy : throw new ControlTowerException(ErrorKind.Validation, ReleaseErrorCodes.Invalid, $"The canary policy is not usable: {string.Join(" ", problems)}")
        {
            Details = new Dictionary<string, object?> { ["problems"] = problems },
        };
    }

    private static ReleaseMode ParseMode(string mode) => mode switch
    {
        "direct" => ReleaseMode.Direct,
        "canary" => ReleaseMode.Canary,
        "shadow" => ReleaseMode.Shadow,
        _ => throw Invalid("mode must be direct, canary or shadow."),
    };

    private static ControlTowerException Invalid(string message) => new(ErrorKind.Validation, ReleaseErrorCodes.Invalid, message);

    private static async Task<WorkflowEntity> FindWorkflowAsync(ControlTowerDbContext db, Guid workflowId, CancellationToken cancellationToken) =>
        await db.Set<WorkflowEntity>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken) ?? throw WorkflowService.NotFound(workflowId);
}
