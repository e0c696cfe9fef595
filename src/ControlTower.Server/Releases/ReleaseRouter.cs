using ControlTower.Core.Errors;
using ControlTower.Core.Releases;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Releases;

/// <summary>The version a new run pins and the author it acts as when the start has no caller.</summary>
internal sealed record ReleasedVersion(WorkflowDefinition Definition, Guid AuthorId);

/// <summary>
/// The release decision every start path goes through (manual, webhook, schedule, MCP, CLI, subworkflow): a workflow
/// without a release starts its latest version; with one, <see cref="ReleaseRouting"/> picks stable or canary by the
/// start's split key. A candidate that lacks the trigger node the start came through cannot take it: stable does.
/// </summary>
internal sealed class ReleaseRouter(IDbContextFactory<ControlTowerDbContext> contexts, WorkflowDefinitions definitions, ReleaseMetrics metrics)
{
    /// <summary>
    /// One round trip: the workflow and its release (if any), left-joined. Compiled once per router: every run start asks it,
    /// and translating the LINQ tree again each time cost more than the read itself. Not static: a compiled query serves one
    /// model, and a process may hold several (tests run SQLite, PostgreSQL and MySQL side by side).
    /// </summary>
    private readonly Func<ControlTowerDbContext, Guid, CancellationToken, Task<WorkflowRelease?>> _find = EF.CompileAsyncQuery(
        (ControlTowerDbContext db, Guid workflowId, CancellationToken _) => (
            from w in db.Set<WorkflowEntity>().AsNoTracking()
            where w.Id == workflowId
            join r in db.Set<WorkflowReleaseEntity>().AsNoTracking() on w.Id equals r.WorkflowId into releases
            from r in releases.DefaultIfEmpty()
            select new WorkflowRelease(w.Name, w.Enabled, w.LatestVersion, r)).SingleOrDefault());

    private sealed record WorkflowRelease(string Name, bool Enabled, int LatestVersion, WorkflowReleaseEntity? Release);

    /// <summary>The version a new run pins; <see cref="ReleasedVersion.AuthorId"/> is read only when <paramref name="withAuthor"/> (else empty).</summary>
    public async Task<ReleasedVersion> ChooseAsync(Guid workflowId, string splitKey, string? triggerNodeId, bool withAuthor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await _find(db, workflowId, cancellationToken) ?? throw WorkflowService.NotFound(workflowId);
        if (!found.Enabled)
        {
            throw new ControlTowerException(ErrorKind.Conflict, WorkflowErrorCodes.Disabled, $"Workflow '{found.Name}' is disabled: it starts no runs.");
        }

        var release = found.Release;
        var version = release is null ? found.LatestVersion : ReleaseRouting.VersionFor(ReleasePolicyJson.ToState(release), workflowId, splitKey);
        var definition = await definitions.GetAsync(workflowId, version, cancellationToken);
        if (release is not null && version != release.StableVersion && triggerNodeId is not null && definition.Plan.Nodes.All(n => n.Id != triggerNodeId))
        {
            definition = await definitions.GetAsync(workflowId, release.StableVersion, cancellationToken);
        }

        metrics.RecordStart(workflowId, release is null ? "latest" : definition.Version == release.StableVersion ? "stable" : "candidate");
        var author = withAuthor
            ? await db.Set<WorkflowVersionEntity>().AsNoTracking()
                .Where(v => v.WorkflowId == workflowId && v.Version == definition.Version).Select(v => v.AuthorId).SingleAsync(cancellationToken)
            : Guid.Empty;
        return new ReleasedVersion(definition, author);
    }

    /// <summary>The version whose triggers are live (webhook URLs, schedules, MCP tools): the release's stable version, else the latest.</summary>
    public static int LiveVersion(int latestVersion, WorkflowReleaseEntity? release) => release?.StableVersion ?? latestVersion;

    /// <summary>The live version of each workflow that has a release (absent: the latest version is live).</summary>
    public static async Task<Dictionary<Guid, int>> StableVersionsAsync(ControlTowerDbContext db, CancellationToken cancellationToken) =>
        await db.Set<WorkflowReleaseEntity>().AsNoTracking().ToDictionaryAsync(r => r.WorkflowId, r => r.StableVersion, cancellationToken);
}
