using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Runs;

internal sealed class EngineOptions
{
    /// <summary>Node attempts one process runs at once (the bounded worker pool).</summary>
    [ConfigurationKeyName("ENGINE_CONCURRENCY")]
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 16;

    /// <summary>How long a claimed task stays ours without a heartbeat; a crashed worker's tasks are retaken after it.</summary>
    [ConfigurationKeyName("ENGINE_LEASE_SECONDS")]
    [Range(1, 3600)]
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often idle workers look for due tasks (timers, other processes' work) without a signal.</summary>
    [ConfigurationKeyName("ENGINE_POLL_MILLISECONDS")]
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Default node step budget per run, when the graph does not set one.</summary>
    [ConfigurationKeyName("ENGINE_STEP_BUDGET")]
    [Range(1, 10_000_000)]
    public int StepBudget { get; set; } = 1000;

    /// <summary>
    /// Commit concurrent runs' starts, stretches, intents and claims in shared transactions (<see cref="RunCommitQueue"/>).
    /// On by default; off, each unit commits in its own transaction (one fsync per unit).
    /// </summary>
    [ConfigurationKeyName("ENGINE_GROUP_COMMIT")]
    public bool GroupCommit { get; set; } = true;

    /// <summary>Run the worker in this process (off for API-only processes).</summary>
    [ConfigurationKeyName("ENGINE_WORKER")]
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>
    /// How often an attempt parked behind a switched-off node type rechecks its switch. Switching the type
    /// back on wakes it at once; the recheck is the safety net for a wake-up that raced with the parking.
    /// </summary>
    [ConfigurationKeyName("ENGINE_PARKED_RECHECK_SECONDS")]
    [Range(1, 86_400)]
    public double ParkedRecheckSeconds { get; set; } = 60;

    /// <summary>How deep subworkflows may nest (a top-level run's child is 1 deep); the start that would go deeper fails its node.</summary>
    [ConfigurationKeyName("ENGINE_MAX_SUBWORKFLOW_DEPTH")]
    [Range(1, 100)]
    public int MaxSubworkflowDepth { get; set; } = 8;

    public TimeSpan ParkedRecheck => TimeSpan.FromSeconds(ParkedRecheckSeconds);

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}
