using System.ComponentModel.DataAnnotations;
using ControlTower.Core.Retention;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Retention;

/// <summary>The global retention policy and how the background pruner paces itself.</summary>
internal sealed class RetentionOptions
{
    /// <summary>Finished runs older than this many days (since they finished) are pruned; 0 keeps runs of any age.</summary>
    [ConfigurationKeyName("RETENTION_MAX_AGE_DAYS")]
    [Range(0, 36_500)]
    public int MaxAgeDays { get; set; } = 30;

    /// <summary>Per workflow, finished runs beyond the newest this many are pruned; 0 sets no count limit.</summary>
    [ConfigurationKeyName("RETENTION_MAX_RUNS")]
    [Range(0, int.MaxValue)]
    public int MaxRuns { get; set; }

    /// <summary>Run the background pruner in this process (one process at a time prunes, under a database lease).</summary>
    [ConfigurationKeyName("RETENTION_PRUNE")]
    public bool PruneEnabled { get; set; } = true;

    /// <summary>How often the background pruner looks for runs past their policy.</summary>
    [ConfigurationKeyName("RETENTION_INTERVAL_SECONDS")]
    [Range(1, 86_400)]
    public int IntervalSeconds { get; set; } = 900;

    /// <summary>Runs deleted per transaction: small, so the engine's writers never wait long behind the pruner.</summary>
    [ConfigurationKeyName("RETENTION_BATCH_SIZE")]
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Pause between two batches of the background pruner (the command line does not pause).</summary>
    [ConfigurationKeyName("RETENTION_BATCH_PAUSE_MILLISECONDS")]
    [Range(0, 60_000)]
    public int BatchPauseMilliseconds { get; set; } = 200;

    public RetentionPolicy Global => new(MaxAgeDays > 0 ? MaxAgeDays : null, MaxRuns > 0 ? MaxRuns : null);
}
