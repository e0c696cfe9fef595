using ControlTower.Core.Trust;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Trust;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Operations;

/// <summary>What the shared queue, the approvals and the trust ladder looked like at one instant (all processes).</summary>
internal sealed record OperationsSample(
    DateTimeOffset At,
    int DueTasks,
    int RunningAttempts,
    int Parked,
    IReadOnlyList<ApprovalsWaiting> Approvals,
    IReadOnlyList<ScopeStage> TrustStages)
{
    public static readonly OperationsSample Empty = new(DateTimeOffset.MinValue, 0, 0, 0, [], []);
}

internal sealed record ApprovalsWaiting(Guid WorkflowId, string NodeType, int Count);

internal sealed record ScopeStage(string ScopeKey, TrustStage Stage);

/// <summary>
/// Samples the database every <c>OPS_SAMPLE_SECONDS</c> so gauges and the summary read a cached value: an observable
/// gauge's callback must not query a database, and one query per interval serves every scraper and dashboard.
/// </summary>
internal sealed partial class OperationsSnapshot(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RollingMetrics rolling,
    WorkerLoad load,
    IOptions<OperationsOptions> options,
    TimeProvider time,
    ILogger<OperationsSnapshot> logger) : BackgroundService
{
    private OperationsSample _latest = OperationsSample.Empty;

    public OperationsSample Latest => Volatile.Read(ref _latest);

    /// <summary>Samples now (the first sample, a test) and keeps it as the latest.</summary>
    public async Task<OperationsSample> SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var utc = now.UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tasks = db.Set<RunTaskEntity>();
        var due = await tasks.CountAsync(t => t.Kind != RunTaskKinds.Parked && t.DueAt <= utc && (t.LeaseExpiresAt == null || t.LeaseExpiresAt < utc), cancellationToken);
        var running = await tasks.CountAsync(t => t.LeaseExpiresAt != null && t.LeaseExpiresAt >= utc, cancellationToken);
        var parked = await tasks.CountAsync(t => t.Kind == RunTaskKinds.Parked, cancellationToken);
        var approvals = await db.Set<ApprovalEntity>()
            .Where(a => a.Status == ApprovalService.Pending)
            .GroupBy(a => new { a.WorkflowId, a.NodeType })
            .Select(g => new ApprovalsWaiting(g.Key.WorkflowId, g.Key.NodeType, g.Count()))
            .ToListAsync(cancellationToken);
        var stages = await db.Set<TrustScopeEntity>().Select(s => new { s.ScopeKey, s.Stage }).ToListAsync(cancellationToken);
        var sample = new OperationsSample(now, due, running, parked, approvals, [.. stages
            .Where(s => TrustStages.TryParse(s.Stage, out _))
            .Select(s => new ScopeStage(s.ScopeKey, TrustStages.TryParse(s.Stage, out var stage) ? stage : TrustStage.Observe))]);
        Volatile.Write(ref _latest, sample);
        rolling.RecordQueue(due, load.Saturation);
        return sample;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SampleSeconds), time);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception failure) when (failure is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The database is briefly unavailable (or not migrated yet): the last sample stands until the next tick.
                Log.SampleFailed(logger, failure);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
