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
internal sealed class ReleaseRouter(IDbContextFactory<ControlTowerDbContext> contexts, WorkflowDefinitions definitions)
{
    public async Task<ReleasedVersion> ChooseAsync(Guid workflowId, string splitKey, string? triggerNodeId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await db.Set<WorkflowEntity>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken)
            ?? throw WorkflowService.NotFound(workflowId);
        if (!workflow.Enabled)
        {
            throw new ControlTowerException(ErrorKind.Conflict, WorkflowErrorCodes.Disabled, $"Workflow '{workflow.Name}' is disabled: it starts no runs.");
        }

        var release = await db.Set<WorkflowReleaseEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.WorkflowId == workflowId, cancellationToken);
        var version = release is null ? workflow.LatestVersion : ReleaseRouting.VersionFor(ReleasePolicyJson.ToState(release), workflowId, splitKey);
        var definition = await definitions.GetAsync(workflowId, version, cancellationToken);
        if (release is not null && version != release.StableVersion && triggerNodeId is not null && definition.Plan.Nodes.All(n => n.Id != triggerNodeId))
        {
            definition = await definitions.GetAsync(workflowId, release.StableVersion, cancellationToken);
        }

        var author = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .Where(v => v.WorkflowId == workflowId && v.Version == definition.Version).Select(v => v.AuthorId).SingleAsync(cancellationToken);
        return new ReleasedVersion(definition, author);
    }

    /// <summary>The version whose triggers are live (webhook URLs, schedules, MCP tools): the release's stable version, else the latest.</summary>
    public static int LiveVersion(int latestVersion, WorkflowReleaseEntity? release) => release?.StableVersion ?? latestVersion;

    /// <summary>The live version of each workflow that has a release (absent: the latest version is live).</summary>
    public static async Task<Dictionary<Guid, int>> StableVersionsAsync(ControlTowerDbContext db, CancellationToken cancellationToken) =>
        await db.Set<WorkflowReleaseEntity>().AsNoTracking().ToDictionaryAsync(r => r.WorkflowId, r => r.StableVersion, cancellationToken);
}
