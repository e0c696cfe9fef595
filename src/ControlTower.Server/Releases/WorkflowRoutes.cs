using System.Collections.Concurrent;
using System.ComponentModel;
using ControlTower.Core.Errors;
using ControlTower.Core.Releases;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Releases;

/// <summary>What a start needs to know about a workflow before it picks a version: cached, immutable (one instance per hit).</summary>
[ImmutableObject(true)]
internal sealed record WorkflowRoute(string Name, bool Enabled, int LatestVersion, WorkflowRouteRelease? Release)
{
    /// <summary>The version whose triggers are live: the release's stable version, else the latest.</summary>
    public int LiveVersion => ReleaseRouter.LiveVersion(LatestVersion, Release?.StableVersion);
}

/// <summary>The release row as routing reads it; <see cref="State"/> is parsed once per load, not per start.</summary>
[ImmutableObject(true)]
internal sealed record WorkflowRouteRelease(string Mode, int StableVersion, int? CandidateVersion, string? CanaryPolicy, int StepIndex, DateTime PhaseStartedAt)
{
    public ReleaseState State { get; } = new(ReleasePolicyJson.ParseMode(Mode), StableVersion, CandidateVersion,
        ReleasePolicyJson.Deserialize(CanaryPolicy), StepIndex, new DateTimeOffset(PhaseStartedAt, TimeSpan.Zero));
}

/// <summary>
/// Each workflow's enabled flag, latest version and release, kept in this process's memory so a run start does no read to
/// route (every start asked the database, and that lookup was the start path's largest cost). Every writer of those
/// (saving a version, enabling or disabling, a release change or rollback, the canary check, the demo reset) calls
/// <see cref="InvalidateAsync"/> after it commits: this process sees the change on its next start, other processes when
/// <see cref="CacheInvalidation"/> carries the key to them (PostgreSQL NOTIFY or Redis pub/sub, usually milliseconds).
/// An entry lives at most <c>CACHE_TTL</c> (a lost message), 1 s where nothing carries messages (MySQL without Redis).
/// Not in the <see cref="SharedCache"/>: one read per workflow and process is cheap, and here an invalidation that races
/// a load can be made to win (see <see cref="LoadAsync"/>).
/// </summary>
internal sealed class WorkflowRoutes
{
    public const string CacheName = "workflow-routes";
    private const string KeyPrefix = "workflow-route:";

    private sealed record Entry(WorkflowRoute Route, long ExpiresAt);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly IDbContextFactory<ControlTowerDbContext> _contexts;
    private readonly CacheInvalidation _invalidation;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly long _lifetime;

    /// <summary>Counts invalidations (this process's and received ones), so a load can tell that one raced it.</summary>
    private long _changes;

    /// <summary>Compiled once per instance (a compiled query serves one model; tests run several providers side by side).</summary>
    private readonly Func<ControlTowerDbContext, Guid, CancellationToken, Task<WorkflowRoute?>> _find = EF.CompileAsyncQuery(
        (ControlTowerDbContext db, Guid workflowId, CancellationToken _) => (
            from w in db.Set<WorkflowEntity>().AsNoTracking()
            where w.Id == workflowId
            join r in db.Set<WorkflowReleaseEntity>().AsNoTracking() on w.Id equals r.WorkflowId into releases
            from r in releases.DefaultIfEmpty()
            select new WorkflowRoute(w.Name, w.Enabled, w.LatestVersion, r == null
                ? null
                : new WorkflowRouteRelease(r.Mode, r.StableVersion, r.CandidateVersion, r.CanaryPolicy, r.StepIndex, r.PhaseStartedAt))).SingleOrDefault());

    public WorkflowRoutes(
        IDbContextFactory<ControlTowerDbContext> contexts, CacheInvalidation invalidation, CacheMetrics metrics, IOptions<CacheOptions> options, TimeProvider time)
    {
        _contexts = contexts;
        _invalidation = invalidation;
        _metrics = metrics;
        _time = time;
        var lifetime = invalidation.Uncarried && options.Value.Ttl > CacheInvalidation.UncarriedLifetime ? CacheInvalidation.UncarriedLifetime : options.Value.Ttl;
        _lifetime = (long)(lifetime.TotalSeconds * time.TimestampFrequency);
        invalidation.Received += key =>
        {
            if (key.StartsWith(KeyPrefix, StringComparison.Ordinal) && Guid.TryParseExact(key.AsSpan(KeyPrefix.Length), "N", out var workflowId))
            {
                Forget(workflowId);
            }
        };
    }

    /// <summary>The workflow's route; a workflow that does not exist is a 404, a disabled one a 409 <c>workflow.disabled</c>.</summary>
    public async ValueTask<WorkflowRoute> GetEnabledAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        var route = _entries.TryGetValue(workflowId, out var entry) && entry.ExpiresAt > _time.GetTimestamp()
            ? entry.Route
            : await LoadAsync(workflowId, cancellationToken);
        return route.Enabled
            ? route
            : throw new ControlTowerException(ErrorKind.Conflict, WorkflowErrorCodes.Disabled, $"Workflow '{route.Name}' is disabled: it starts no runs.");
    }

    /// <summary>
    /// After a committed change of the workflow's enabled flag, versions or release: here at once, elsewhere when the
    /// message arrives. Takes no cancellation: the change is committed, so the message goes out even if the caller left.
    /// </summary>
    public async Task InvalidateAsync(Guid workflowId)
    {
        Forget(workflowId);
        await _invalidation.PublishAsync($"{KeyPrefix}{workflowId:N}", CancellationToken.None);
    }

    private void Forget(Guid workflowId)
    {
        Interlocked.Increment(ref _changes);
        _entries.TryRemove(workflowId, out _);
    }

    /// <summary>
    /// Reads the route and keeps it unless an invalidation came meanwhile: the read may predate that change. The check
    /// follows the store, so an invalidation either sees the entry (and removes it) or is seen here (and the entry goes).
    /// </summary>
    private async ValueTask<WorkflowRoute> LoadAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        var changes = Interlocked.Read(ref _changes);
        _metrics.Loaded(CacheName);
        WorkflowRoute? route;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            route = await _find(db, workflowId, cancellationToken);
        }

        // Not kept when missing: a workflow created later is found at once.
        _ = route ?? throw WorkflowService.NotFound(workflowId);
        var entry = new Entry(route, _time.GetTimestamp() + _lifetime);
        _entries[workflowId] = entry;
        if (Interlocked.Read(ref _changes) != changes)
        {
            _entries.TryRemove(KeyValuePair.Create(workflowId, entry));
        }

        return route;
    }
}
