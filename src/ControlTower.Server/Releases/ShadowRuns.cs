using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Releases;

/// <summary>
/// Shadow releases. Each live run of the stable version that finished (completed or failed) after the shadow began is
/// run again on the candidate as a replay (<see cref="RunReplayer"/>): same input and trigger node, its side-effecting
/// nodes answered from the live run's recorded results, so a shadow never calls anything. The pairing commits with
/// the replay's start (a live run is shadowed once, across processes); once the shadow finishes, its node-by-node
/// comparison is stored, and <see cref="ReportAsync"/> adds them up per node.
/// </summary>
internal sealed partial class ShadowRuns(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunReplayer replayer,
    TimeProvider time,
    ILogger<ShadowRuns> logger)
{
    public const string Actor = "release:shadow";
    private const int Batch = 50;
    private const int RecentRuns = 20;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record ComparedNode(string NodeId, string? NodeType, bool Differs);

    /// <summary>One pass: start the shadows of newly finished live runs, then compare the shadows that finished. Returns the shadows started.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        var started = await StartShadowsAsync(cancellationToken);
        await CompareFinishedAsync(cancellationToken);
        return started;
    }

    public async Task<ShadowReport> ReportAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Set<WorkflowEntity>().AnyAsync(w => w.Id == workflowId, cancellationToken))
        {
            throw WorkflowService.NotFound(workflowId);
        }

        // The current shadow's candidate, else the last one shadowed: the report outlives the shadow that made it.
        var release = await db.Set<WorkflowReleaseEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.WorkflowId == workflowId, cancellationToken);
        var candidate = release is { Mode: "shadow" } ? release.CandidateVersion : await db.Set<ShadowRunEntity>().Where(s => s.WorkflowId == workflowId)
            .OrderByDescending(s => s.CreatedAt).Select(s => (int?)s.CandidateVersion).FirstOrDefaultAsync(cancellationToken);
        var rows = await db.Set<ShadowRunEntity>().AsNoTracking().Where(s => s.WorkflowId == workflowId && s.CandidateVersion == candidate)
            .OrderByDescending(s => s.CreatedAt).ToListAsync(cancellationToken);
        var compared = rows.Where(r => r.Nodes is not null).ToList();
        var nodes = compared.SelectMany(r => JsonSerializer.Deserialize<List<ComparedNode>>(r.Nodes!, Json) ?? [])
            .GroupBy(n => n.NodeId, StringComparer.Ordinal)
            .Select(g => new ShadowNodeView(g.Key, g.First().NodeType, g.Count(), g.Count(n => n.Differs)))
            .OrderByDescending(n => n.Differing).ThenBy(n => n.NodeId, StringComparer.Ordinal).ToList();
        var recent = rows.Take(RecentRuns).Select(r => new ShadowRunView(r.LiveRunId, r.ShadowRunId, r.LiveVersion, new DateTimeOffset(r.CreatedAt, TimeSpan.Zero),
            r.Nodes is not null, r.Differences, r.RefusedCode)).ToList();
        return new ShadowReport(workflowId, candidate, rows.Count, compared.Count, compared.Count(r => r.Differences > 0), rows.Count(r => r.RefusedCode is not null), nodes, recent);
    }

    private sealed record LiveRun(Guid Id, Guid StartedBy, int Version);

    private async Task<int> StartShadowsAsync(CancellationToken cancellationToken)
    {
        var pending = new List<(WorkflowReleaseEntity Release, LiveRun Run)>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var shadows = await db.Set<WorkflowReleaseEntity>().AsNoTracking().Where(r => r.Mode == "shadow" && r.CandidateVersion != null).ToListAsync(cancellationToken);
            foreach (var release in shadows)
            {
                var since = release.PhaseStartedAt;
                var runs = await db.Set<RunEntity>().AsNoTracking()
                    .Where(r => r.WorkflowId == release.WorkflowId && r.CreatedAt >= since && r.Trigger != ReplayRecordings.Trigger
                        && r.WorkflowVersion == release.StableVersion && (r.Status == "completed" || r.Status == "failed")
                        && !db.Set<ShadowRunEntity>().Any(s => s.LiveRunId == r.Id))
                    .OrderBy(r => r.CreatedAt).Take(Batch)
                    .Select(r => new LiveRun(r.Id, r.StartedBy, r.WorkflowVersion)).ToListAsync(cancellationToken);
                pending.AddRange(runs.Select(run => (release, run)));
            }
        }

        var started = 0;
        foreach (var (release, run) in pending)
        {
            started += await StartShadowAsync(release, run, cancellationToken) ? 1 : 0;
        }

        return started;
    }

    private async Task<bool> StartShadowAsync(WorkflowReleaseEntity release, LiveRun run, CancellationToken cancellationToken)
    {
        var candidate = release.CandidateVersion!.Value;
        try
        {
            // The shadow acts as the live run's principal: it may use no credential the live run could not.
            var shadowId = await replayer.StartAsync(Actor, run.StartedBy, run.Id, candidate, (db, shadowRunId) => db.Add(new ShadowRunEntity
            {
                LiveRunId = run.Id,
                ShadowRunId = shadowRunId,
                WorkflowId = release.WorkflowId,
                LiveVersion = run.Version,
                CandidateVersion = candidate,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            }), cancellationToken);
            Log.Started(logger, release.WorkflowId, run.Id, shadowId, candidate);
            return true;
        }
        catch (DbUpdateException raced) when (UniqueViolations.ConflictCode(raced) is not null)
        {
            Log.AlreadyShadowed(logger, run.Id);
            return false;
        }
        catch (ControlTowerException refused)
        {
            Log.NotStarted(logger, release.WorkflowId, run.Id, refused.Code, refused.Message);
            await RecordRefusalAsync(release.WorkflowId, run, candidate, refused.Code, cancellationToken);
            return false;
        }
    }

    /// <summary>Keeps the refusal, so the live run is not tried again on every pass (and cannot crowd out the runs after it).</summary>
    private async Task RecordRefusalAsync(Guid workflowId, LiveRun run, int candidate, string code, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        db.Add(new ShadowRunEntity
        {
            LiveRunId = run.Id,
            WorkflowId = workflowId,
            LiveVersion = run.Version,
            CandidateVersion = candidate,
            CreatedAt = now,
            ComparedAt = now,
            RefusedCode = code,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException raced) when (UniqueViolations.ConflictCode(raced) is not null)
        {
            Log.AlreadyShadowed(logger, run.Id);
        }
    }

    private async Task CompareFinishedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var finished = await db.Set<ShadowRunEntity>()
            .Where(s => s.ComparedAt == null && db.Set<RunEntity>().Any(r => r.Id == s.ShadowRunId && (r.Status == "completed" || r.Status == "failed" || r.Status == "cancelled")))
            .OrderBy(s => s.CreatedAt).Take(Batch).ToListAsync(cancellationToken);
        foreach (var shadow in finished)
        {
            var report = await replayer.ReportAsync(shadow.ShadowRunId!.Value, cancellationToken);
            shadow.Differences = report.Differences;
            shadow.Nodes = JsonSerializer.Serialize(report.Nodes.Select(n => new ComparedNode(n.NodeId, n.NodeType, n.Differs)), Json);
            shadow.ComparedAt = time.GetUtcNow().UtcDateTime;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
