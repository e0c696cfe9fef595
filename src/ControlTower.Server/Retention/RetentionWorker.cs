using Microsoft.Extensions.Options;

namespace ControlTower.Server.Retention;

/// <summary>The background pruner: a pass every <c>RETENTION_INTERVAL_SECONDS</c>, batches paced by <c>RETENTION_BATCH_PAUSE_MILLISECONDS</c>.</summary>
internal sealed partial class RetentionWorker(RunPruner pruner, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        var pause = TimeSpan.FromMilliseconds(options.Value.BatchPauseMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                if (await pruner.PruneAsync(dryRun: false, pause, stoppingToken) is { Runs: > 0 } report)
                {
                    Log.Pruned(logger, report.Runs, report.Rows, report.PayloadBytes, report.Blobs, report.BlobBytes, report.Kept, report.Elapsed.TotalSeconds);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (failure is Core.Errors.ControlTowerException or Microsoft.EntityFrameworkCore.DbUpdateException or System.Data.Common.DbException or IOException)
            {
                Log.PassFailed(logger, failure);
            }
        }
    }
}
