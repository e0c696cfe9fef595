using ControlTower.Server.Audit;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace ControlTower.Server.Operations;

/// <summary>The components <c>/health</c> reports, each with its state and the figures behind it.</summary>
internal static class ComponentHealthChecks
{
    public const string Tag = "component";

    public static IHealthChecksBuilder AddComponentChecks(this IHealthChecksBuilder checks) => checks
        .AddCheck<DatabaseComponentCheck>("database", tags: [Tag, Platform.Observability.HealthEndpoints.ReadyTag])
        .AddCheck<EngineComponentCheck>("engine", tags: [Tag])
        .AddCheck<McpComponentCheck>("mcp", tags: [Tag])
        .AddCheck<AuditExporterComponentCheck>("audit_exporter", tags: [Tag]);

    /// <summary>Round trip to the database and the migrations not applied yet.</summary>
    private sealed class DatabaseComponentCheck(IDbContextFactory<ControlTowerDbContext> contexts, TimeProvider time) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var started = time.GetTimestamp();
            if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy("the database does not answer");
            }

            var latency = time.GetElapsedTime(started).TotalMilliseconds;
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            var data = new Dictionary<string, object>
            {
                ["provider"] = db.ProviderLabel,
                ["latencyMs"] = Math.Round(latency, 2),
                ["pendingMigrations"] = pending,
            };
            return pending.Count == 0
                ? HealthCheckResult.Healthy("connected, schema current", data)
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) pending", data: data);
        }
    }

    /// <summary>Queue depth (all processes) and this process's worker saturation; degraded while tasks wait on a full pool or the sample is stale.</summary>
    private sealed class EngineComponentCheck(OperationsSnapshot snapshot, WorkerLoad load, IOptions<OperationsOptions> options, TimeProvider time) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var sample = snapshot.Latest;
            var data = new Dictionary<string, object>
            {
                ["dueTasks"] = sample.DueTasks,
                ["runningAttempts"] = sample.RunningAttempts,
                ["parked"] = sample.Parked,
                ["busySlots"] = load.Busy,
                ["slots"] = load.Slots,
                ["saturation"] = Math.Round(load.Saturation, 3),
                ["sampledAt"] = sample.At,
            };
            var age = time.GetUtcNow() - sample.At;
            var result = age > TimeSpan.FromSeconds(options.Value.SampleSeconds * 3)
                ? HealthCheckResult.Degraded($"the queue sample is {age.TotalSeconds:0} s old", data: data)
                : load.Slots > 0 && load.Busy >= load.Slots && sample.DueTasks > 0
                    ? HealthCheckResult.Degraded($"{sample.DueTasks} due task(s) wait on a saturated worker pool", data: data)
                    : HealthCheckResult.Healthy($"{sample.DueTasks} due, {load.Busy}/{load.Slots} slots busy", data);
            return Task.FromResult(result);
        }
    }

    /// <summary>Each registered server's circuit breaker; degraded while any is open.</summary>
    private sealed class McpComponentCheck(McpServerRegistry registry, McpResilience resilience) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var breakers = registry.List().ToDictionary(server => server.Id, server => (object)BreakerName(resilience.BreakerState(server.Id)));
            var open = breakers.Where(b => (string)b.Value is "open" or "isolated").Select(b => b.Key).ToList();
            var result = open.Count == 0
                ? HealthCheckResult.Healthy($"{breakers.Count} server(s), no breaker open", breakers)
                : HealthCheckResult.Degraded($"breaker open for {string.Join(", ", open)}", data: breakers);
            return Task.FromResult(result);
        }

        private static string BreakerName(CircuitState state) => state switch
        {
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            CircuitState.Isolated => "isolated",
            _ => "closed",
        };
    }

    /// <summary>Audit entries not yet copied to the JSONL files, and how old the oldest of them is.</summary>
    private sealed class AuditExporterComponentCheck(AuditFileExporter exporter, IDbContextFactory<ControlTowerDbContext> contexts,
        IOptions<Platform.Configuration.AuditOptions> audit, TimeProvider time) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (exporter.ExportedThrough is not { } exported)
            {
                return HealthCheckResult.Healthy("no export has run in this process yet");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var behind = db.Set<AuditEntryEntity>().Where(e => e.Sequence > exported);
            var lagEntries = await behind.CountAsync(cancellationToken);
            var oldest = await behind.OrderBy(e => e.Sequence).Select(e => (DateTime?)e.Timestamp).FirstOrDefaultAsync(cancellationToken);
            var lagSeconds = oldest is { } at ? Math.Max(0, (time.GetUtcNow().UtcDateTime - at).TotalSeconds) : 0;
            var data = new Dictionary<string, object> { ["exportedThrough"] = exported, ["lagEntries"] = lagEntries, ["lagSeconds"] = Math.Round(lagSeconds, 1) };
            return lagSeconds > audit.Value.ExportIntervalSeconds * 3
                ? HealthCheckResult.Degraded($"{lagEntries} entries wait for export since {lagSeconds:0} s", data: data)
                : HealthCheckResult.Healthy($"{lagEntries} entries wait for export", data);
        }
    }
}
