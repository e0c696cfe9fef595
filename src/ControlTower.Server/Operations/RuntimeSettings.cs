using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Runs;
using ControlTower.Server.Slos;

namespace ControlTower.Server.Operations;

internal sealed record FeatureSettings(bool Worker, bool OtlpExport, bool MetricsScrapeKey, bool SloAlerting, int SloObjectives, int SloNotificationTargets, bool DemoData);

internal sealed record LimitSettings(long MaxRequestBodyBytes, int EngineConcurrency, int StepBudget, int ShedQueueDepth, int ShedMaxConcurrentStarts, int SummaryMaxHours);

/// <summary><c>GET /api/settings</c>: what the dashboard adapts to. Never a key, secret or connection string.</summary>
internal sealed record RuntimeSettings(string Mode, string SloConfigRevision, FeatureSettings Features, LimitSettings Limits)
{
    public static RuntimeSettings From(PlatformOptions platform, EngineOptions engine, LoadSheddingOptions shedding, TelemetryOptions telemetry, OperationsOptions operations, SloCatalog slos) => new(
        platform.Mode.ToString().ToLowerInvariant(),
        slos.Revision,
        new FeatureSettings(
            engine.WorkerEnabled,
            !string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint),
            operations.MetricsScrapeKey is not null,
            slos.Objectives.Count > 0,
            slos.Objectives.Count,
            slos.Targets.Count,
            platform.Mode == RunMode.Demo),
        new LimitSettings(platform.MaxRequestBodyBytes, engine.Concurrency, engine.StepBudget, shedding.QueueDepth, shedding.MaxConcurrentStarts, operations.RollingHours));
}
