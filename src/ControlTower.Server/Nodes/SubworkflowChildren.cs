using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Nodes;

/// <summary>
/// Checks a subworkflow start before the engine commits it: the nesting depth stays within
/// <see cref="EngineOptions.MaxSubworkflowDepth"/>, and the child workflow exists, is enabled and has the
/// asked version. A start that fails here fails the node with a typed error instead of leaving the run waiting.
/// </summary>
internal sealed class SubworkflowChildren(IDbContextFactory<ControlTowerDbContext> contexts, Releases.ReleaseRouter releases, IOptions<EngineOptions> engine)
{
    /// <summary>The version the child run will pin: <paramref name="version"/>, or the one the child's release chooses for <paramref name="splitKey"/>.</summary>
    public async Task<int> ResolveAsync(Guid parentRunId, Guid workflowId, int? version, string splitKey, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var maxDepth = engine.Value.MaxSubworkflowDepth;
        var depth = await DepthAsync(db, parentRunId, maxDepth, cancellationToken) + 1;
        if (depth > maxDepth)
        {
            throw new NodeFailureException(NodeErrorCodes.SubworkflowDepthExceeded,
                $"Starting workflow {workflowId} would nest subworkflows {depth} deep; the limit is {maxDepth} (ENGINE_MAX_SUBWORKFLOW_DEPTH).");
        }

        var workflow = await db.Set<WorkflowEntity>().AsNoTracking()
            .Where(w => w.Id == workflowId)
            .Select(w => new { w.Name, w.Enabled, w.LatestVersion })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NodeFailureException(NodeErrorCodes.SubworkflowNotFound, $"The child workflow {workflowId} does not exist.");
        if (!workflow.Enabled)
        {
            throw new NodeFailureException(NodeErrorCodes.SubworkflowDisabled, $"The child workflow '{workflow.Name}' is disabled: it starts no runs.");
        }

        if (version > workflow.LatestVersion)
        {
            throw new NodeFailureException(NodeErrorCodes.SubworkflowNotFound, $"The child workflow '{workflow.Name}' has no version {version}.");
        }

        return version ?? (await releases.ChooseAsync(workflowId, splitKey, null, cancellationToken)).Version;
    }

    /// <summary>How many ancestors the run has (a top-level run: 0); counting stops past <paramref name="limit"/>.</summary>
    private static async Task<int> DepthAsync(ControlTowerDbContext db, Guid runId, int limit, CancellationToken cancellationToken)
    {
        var depth = 0;
        Guid? current = runId;
        while (depth <= limit)
        {
            current = await db.Set<RunEntity>().Where(r => r.Id == current).Select(r => r.ParentRunId).SingleOrDefaultAsync(cancellationToken);
            if (current is null)
            {
                return depth;
            }

            depth++;
        }

        return depth;
    }
}
