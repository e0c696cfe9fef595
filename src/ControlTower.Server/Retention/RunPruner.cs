using System.Text.Json.Nodes;
using ControlTower.Core.Retention;
using ControlTower.Server.Audit;
using ControlTower.Server.Blobs;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Releases;
using ControlTower.Server.Runs;
using ControlTower.Server.Trust;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Retention;

/// <summary>What one prune pass removed (or, dry, would remove).</summary>
internal sealed record PruneReport(bool DryRun, int Runs, long Rows, long PayloadBytes, int Blobs, long BlobBytes, int Kept, TimeSpan Elapsed);

/// <summary>
/// Deletes finished runs past their workflow's retention policy (<c>config.retention</c>, else the global
/// <see cref="RetentionOptions"/>), in small batches, each in its own transaction: the run row and everything that is only
/// run data (events, node records, tasks, pins, replay links, shadow pairs, blob references), then the blobs no run refers
/// to any more. A run stays while something still needs it: a person's hold, an approval still open, a governed execution
/// inside its rollback window, a parent run still going. Audit entries, approvals and governed executions are records of
/// what people and the trust system decided, not run data: they are never pruned.
/// </summary>
internal sealed partial class RunPruner(
    IDbContextFactory<ControlTowerDbContext> contexts,
    IBlobStore store,
    PruneLease lease,
    AuditLog audit,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RunPruner> logger)
{
    /// <summary>An unreferenced blob is deleted only when no run took a reference to it for this long (a start in flight may be about to).</summary>
    public static readonly TimeSpan BlobGrace = TimeSpan.FromMinutes(10);

    /// <summary>One pass over every workflow; null when another process holds the pruner's lease.</summary>
    public async Task<PruneReport?> PruneAsync(bool dryRun, TimeSpan pause, CancellationToken cancellationToken)
    {
        if (!await lease.TryTakeAsync(cancellationToken))
        {
            return null;
        }

        try
        {
            return await PassAsync(dryRun, pause, cancellationToken);
        }
        finally
        {
            await lease.ReleaseAsync();
        }
    }

    private async Task<PruneReport> PassAsync(bool dryRun, TimeSpan pause, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var totals = new Totals();
        var removedRuns = new List<Guid>();
        foreach (var (workflowId, policy) in await PoliciesAsync(cancellationToken))
        {
            var (due, prunable) = await DueAsync(workflowId, policy, now, cancellationToken);
            totals.Kept += due - prunable.Count;
            foreach (var batch in prunable.Chunk(options.Value.BatchSize))
            {
                var removed = dryRun ? await MeasureAsync(batch, cancellationToken) : await DeleteBatchAsync(batch, now.UtcDateTime, cancellationToken);
                totals.Add(removed);
                removedRuns.AddRange(batch);
                Log.BatchPruned(logger, workflowId, removed.Runs, removed.Rows, dryRun);
                if (!await lease.RenewAsync(cancellationToken))
                {
                    Log.LeaseLost(logger);
                    return new PruneReport(dryRun, totals.Runs, totals.Rows, totals.Bytes, 0, 0, totals.Kept, time.GetElapsedTime(started));
                }

                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, time, cancellationToken);
                }
            }
        }

        var (blobs, blobBytes) = dryRun
            ? await OrphanedByAsync(removedRuns, cancellationToken)
            : await DeleteUnreferencedBlobsAsync(now.UtcDateTime - BlobGrace, cancellationToken);
        var report = new PruneReport(dryRun, totals.Runs, totals.Rows, totals.Bytes, blobs, blobBytes, totals.Kept, time.GetElapsedTime(started));
        if (!dryRun && (report.Runs > 0 || report.Blobs > 0))
        {
            await AuditAsync(report, cancellationToken);
        }

        return report;
    }

    /// <summary>One audit entry per pass that removed something: what went, by which policy.</summary>
    private async Task AuditAsync(PruneReport report, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await audit.CommitAsync(db, new AuditEvent("system:retention", "retention.pruned", "runs", "finished runs past their retention policy", new JsonObject
        {
            ["runs"] = report.Runs,
            ["rows"] = report.Rows,
            ["payloadBytes"] = report.PayloadBytes,
            ["blobs"] = report.Blobs,
            ["blobBytes"] = report.BlobBytes,
            ["kept"] = report.Kept,
            ["maxAgeDays"] = options.Value.MaxAgeDays,
            ["maxRuns"] = options.Value.MaxRuns,
        }), cancellationToken);
    }

    /// <summary>Every workflow's effective policy (its latest version's <c>config.retention</c> over the global one), those that limit anything.</summary>
    private async Task<List<(Guid WorkflowId, RetentionPolicy Policy)>> PoliciesAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await db.Set<WorkflowEntity>().AsNoTracking()
            .Join(db.Set<WorkflowVersionEntity>(), w => new { w.Id, Version = w.LatestVersion }, v => new { Id = v.WorkflowId, v.Version }, (w, v) => new { w.Id, v.Graph })
            .ToListAsync(cancellationToken);
        var global = options.Value.Global;
        return latest
            .Select(w => (w.Id, Policy: RetentionPolicy.FromGraphConfig(JsonNode.Parse(w.Graph)?["config"] as JsonObject).Policy.Over(global)))
            .Where(w => !w.Policy.KeepsEverything)
            .ToList();
    }

    /// <summary>How many of the workflow's finished runs are past the policy, and which of them nothing protects (oldest first).</summary>
    private async Task<(int Due, List<Guid> Prunable)> DueAsync(Guid workflowId, RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var finished = db.Set<RunEntity>().AsNoTracking().Where(r => r.WorkflowId == workflowId && r.FinishedAt != null);
        DateTime? createdCutoff = policy.MaxRuns is { } keep
            ? await finished.OrderByDescending(r => r.CreatedAt).Skip(keep).Select(r => (DateTime?)r.CreatedAt).FirstOrDefaultAsync(cancellationToken)
            : null;
        var finishedCutoff = policy.AgeCutoff(now)?.UtcDateTime;
        if (createdCutoff is null && finishedCutoff is null)
        {
            return (0, []);
        }

        var due = finished.Where(r => (finishedCutoff != null && r.FinishedAt < finishedCutoff) || (createdCutoff != null && r.CreatedAt <= createdCutoff));
        var count = await due.CountAsync(cancellationToken);
        var prunable = await Unprotected(db, due, now.UtcDateTime).OrderBy(r => r.FinishedAt).Select(r => r.Id).ToListAsync(cancellationToken);
        return (count, prunable);
    }

    /// <summary>The runs nothing keeps: no hold, no open approval, no execution that can still be rolled back, no unfinished parent.</summary>
    private static IQueryable<RunEntity> Unprotected(ControlTowerDbContext db, IQueryable<RunEntity> runs, DateTime now) => runs
        .Where(r => !db.Set<RunHoldEntity>().Any(h => h.RunId == r.Id))
        .Where(r => !db.Set<ApprovalEntity>().Any(a => a.RunId == r.Id && a.Status == ApprovalService.Pending))
        .Where(r => !db.Set<ExecutionEntity>().Any(e => e.RunId == r.Id && e.ReversibleUntil > now && e.Status != GovernedActions.RolledBack))
        .Where(r => r.ParentRunId == null || !db.Set<RunEntity>().Any(p => p.Id == r.ParentRunId && p.FinishedAt == null));

    /// <summary>Deletes one batch in one transaction, checking the protections again inside it (a hold may have come since).</summary>
    private async Task<Removed> DeleteBatchAsync(Guid[] batch, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = await Unprotected(db, db.Set<RunEntity>().Where(r => batch.Contains(r.Id)), now).Select(r => r.Id).ToListAsync(cancellationToken);
        var bytes = await BytesAsync(db, ids, cancellationToken);
        var rows = 0L;
        rows += await db.Set<RunEventEntity>().Where(e => ids.Contains(e.RunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<NodeExecutionEntity>().Where(e => ids.Contains(e.RunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<RunTaskEntity>().Where(t => ids.Contains(t.RunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<RunPinEntity>().Where(p => ids.Contains(p.RunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<RunReplayEntity>().Where(r => ids.Contains(r.RunId) || ids.Contains(r.SourceRunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<ShadowRunEntity>().Where(s => ids.Contains(s.LiveRunId) || (s.ShadowRunId != null && ids.Contains(s.ShadowRunId.Value))).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<RunBlobEntity>().Where(b => ids.Contains(b.RunId)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Set<RunEntity>().Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Removed(ids.Count, rows, bytes);
    }

    private async Task<Removed> MeasureAsync(Guid[] batch, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await MeasureAsync(db, [.. batch], cancellationToken);
    }

    /// <summary>Dry run: the batch's rows, counted table by table as the real pass deletes them.</summary>
    private static async Task<Removed> MeasureAsync(ControlTowerDbContext db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await db.Set<RunEntity>().LongCountAsync(r => ids.Contains(r.Id), cancellationToken)
            + await db.Set<RunEventEntity>().LongCountAsync(e => ids.Contains(e.RunId), cancellationToken)
            + await db.Set<NodeExecutionEntity>().LongCountAsync(e => ids.Contains(e.RunId), cancellationToken)
            + await db.Set<RunTaskEntity>().LongCountAsync(t => ids.Contains(t.RunId), cancellationToken)
            + await db.Set<RunPinEntity>().LongCountAsync(p => ids.Contains(p.RunId), cancellationToken)
            + await db.Set<RunReplayEntity>().LongCountAsync(r => ids.Contains(r.RunId) || ids.Contains(r.SourceRunId), cancellationToken)
            + await db.Set<ShadowRunEntity>().LongCountAsync(s => ids.Contains(s.LiveRunId) || (s.ShadowRunId != null && ids.Contains(s.ShadowRunId.Value)), cancellationToken)
            + await db.Set<RunBlobEntity>().LongCountAsync(b => ids.Contains(b.RunId), cancellationToken);
        var runs = await db.Set<RunEntity>().CountAsync(r => ids.Contains(r.Id), cancellationToken);
        return new Removed(runs, rows, await BytesAsync(db, ids, cancellationToken));
    }

    /// <summary>The characters of the batch's JSON columns (run state, input, output; events; node inputs and outputs): what the database stores for them, near enough.</summary>
    private static async Task<long> BytesAsync(ControlTowerDbContext db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var runs = await db.Set<RunEntity>().Where(r => ids.Contains(r.Id))
            .SumAsync(r => (long)r.State.Length + (r.Input == null ? 0 : r.Input.Length) + (r.Output == null ? 0 : r.Output.Length), cancellationToken);
        var events = await db.Set<RunEventEntity>().Where(e => ids.Contains(e.RunId)).SumAsync(e => (long)e.Data.Length, cancellationToken);
        var nodes = await db.Set<NodeExecutionEntity>().Where(e => ids.Contains(e.RunId))
            .SumAsync(e => (long)(e.Input == null ? 0 : e.Input.Length) + (e.Output == null ? 0 : e.Output.Length), cancellationToken);
        return runs + events + nodes;
    }

    /// <summary>
    /// Deletes the blobs no run refers to (those the pass released, and any a failed start left behind): the row first, under
    /// the condition that still no run refers to it, then the bytes, so a blob a new run just took is never lost.
    /// </summary>
    private async Task<(int Blobs, long Bytes)> DeleteUnreferencedBlobsAsync(DateTime graceCutoff, CancellationToken cancellationToken)
    {
        var (count, bytes) = (0, 0L);
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var orphans = await Unreferenced(db, db.Set<BlobEntity>().AsNoTracking().Where(b => b.LastReferencedAt < graceCutoff))
                .OrderBy(b => b.Sha256).Take(options.Value.BatchSize).ToListAsync(cancellationToken);
            foreach (var blob in orphans)
            {
                var deleted = await Unreferenced(db, db.Set<BlobEntity>().Where(b => b.Sha256 == blob.Sha256 && b.LastReferencedAt < graceCutoff))
                    .ExecuteDeleteAsync(cancellationToken);
                if (deleted == 1 && BlobKey.TryParse(blob.Sha256, out var key))
                {
                    await store.DeleteAsync(key, cancellationToken);
                    (count, bytes) = (count + 1, bytes + blob.Size);
                }
            }

            if (orphans.Count < options.Value.BatchSize)
            {
                return (count, bytes);
            }
        }
    }

    /// <summary>
    /// The blobs nothing refers to: no run (<c>run_blobs</c>), no trained trust model (<c>trust_models</c>, until its row is
    /// deleted) and no audit archive (<c>audit_archives</c>, never deleted, so an archive's blob is never pruned).
    /// </summary>
    private static IQueryable<BlobEntity> Unreferenced(ControlTowerDbContext db, IQueryable<BlobEntity> blobs) => blobs
        .Where(b => !db.Set<RunBlobEntity>().Any(r => r.Sha256 == b.Sha256))
        .Where(b => !db.Set<TrustModelEntity>().Any(m => m.ArtifactSha256 == b.Sha256))
        .Where(b => !db.Set<AuditArchiveEntity>().Any(a => a.Sha256 == b.Sha256));

    /// <summary>Dry run: the blobs whose every reference belongs to a run the pass would remove (and that no model or archive refers to).</summary>
    private async Task<(int Blobs, long Bytes)> OrphanedByAsync(List<Guid> removedRuns, CancellationToken cancellationToken)
    {
        var removed = removedRuns.ToHashSet();
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var bytes = 0L;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var batch in removedRuns.Chunk(options.Value.BatchSize))
        {
            var hashes = await db.Set<RunBlobEntity>().Where(b => batch.Contains(b.RunId)).Select(b => b.Sha256).Distinct().ToListAsync(cancellationToken);
            var references = await db.Set<RunBlobEntity>().Where(b => hashes.Contains(b.Sha256)).ToListAsync(cancellationToken);
            var orphaned = references.GroupBy(r => r.Sha256).Where(g => g.All(r => removed.Contains(r.RunId)) && !counted.Contains(g.Key)).Select(g => g.Key).ToList();
            var sizes = await db.Set<BlobEntity>().Where(b => orphaned.Contains(b.Sha256))
                .Where(b => !db.Set<TrustModelEntity>().Any(m => m.ArtifactSha256 == b.Sha256) && !db.Set<AuditArchiveEntity>().Any(a => a.Sha256 == b.Sha256))
                .Select(b => new { b.Sha256, b.Size }).ToListAsync(cancellationToken);
            foreach (var blob in sizes.Where(b => counted.Add(b.Sha256)))
            {
                bytes += blob.Size;
            }
        }

        return (counted.Count, bytes);
    }

    private sealed record Removed(int Runs, long Rows, long Bytes);

    private sealed class Totals
    {
        public int Runs { get; private set; }

        public long Rows { get; private set; }

        public long Bytes { get; private set; }

        public int Kept { get; set; }

        public void Add(Removed removed) => (Runs, Rows, Bytes) = (Runs + removed.Runs, Rows + removed.Rows, Bytes + removed.Bytes);
    }
}
