using ControlTower.Core.Releases;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Releases;

/// <summary>
/// The release decision every start path goes through (manual, webhook, schedule, MCP, CLI, subworkflow): a workflow
/// without a release starts its latest version; with one, <see cref="ReleaseRouting"/> picks stable or canary by the
/// start's split key. A candidate that lacks the trigger node the start came through cannot take it: stable does.
/// </summary>
internal sealed class ReleaseRouter(WorkflowRoutes routes, WorkflowDefinitions definitions, ReleaseMetrics metrics)
{
    /// <summary>
    /// The version a new run pins (its author is the principal of a start without a caller), from memory: the route
    /// (<see cref="WorkflowRoutes"/>) and the compiled version (<see cref="WorkflowDefinitions"/>) are cached, so a start
    /// reads nothing here once each was loaded.
    /// </summary>
    public async Task<WorkflowDefinition> ChooseAsync(Guid workflowId, string splitKey, string? triggerNodeId, CancellationToken cancellationToken)
    {
        var route = await routes.GetEnabledAsync(workflowId, cancellationToken);
        var release = route.Release;
        var version = release is null ? route.LatestVersion : ReleaseRouting.VersionFor(release.State, workflowId, splitKey);
        var definition = await definitions.GetAsync(workflowId, version, cancellationToken);
        if (release is not null && version != release.StableVersion && triggerNodeId is not null && definition.Plan.Nodes.All(n => n.Id != triggerNodeId))
        {
            definition = await definitions.GetAsync(workflowId, release.StableVersion, cancellationToken);
        }

        metrics.RecordStart(workflowId, release is null ? "latest" : definition.Version == release.StableVersion ? "stable" : "candidate");
        return definition;
    }

    /// <summary>The version whose triggers are live (webhook URLs, schedules, MCP tools): the release's stable version, else the latest.</summary>
    public static int LiveVersion(int latestVersion, WorkflowReleaseEntity? release) => LiveVersion(latestVersion, release?.StableVersion);

    public static int LiveVersion(int latestVersion, int? stableVersion) => stableVersion ?? latestVersion;

    /// <summary>The live version of each workflow that has a release (absent: the latest version is live).</summary>
    public static async Task<Dictionary<Guid, int>> StableVersionsAsync(ControlTowerDbContext db, CancellationToken cancellationToken) =>
        await db.Set<WorkflowReleaseEntity>().AsNoTracking().ToDictionaryAsync(r => r.WorkflowId, r => r.StableVersion, cancellationToken);
}
