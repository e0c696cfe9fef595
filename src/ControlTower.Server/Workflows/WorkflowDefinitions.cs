using System.Collections.Concurrent;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Workflows;

/// <summary>A workflow version ready to run: its graph and compiled plan.</summary>
internal sealed record WorkflowDefinition(Guid WorkflowId, int Version, string Name, WorkflowGraph Graph, RunPlan Plan);

/// <summary>
/// Loads workflow versions for the runner. Versions are immutable, so a compiled plan is cached
/// for good (bounded: the oldest entries go when it is full).
/// </summary>
internal sealed class WorkflowDefinitions(IDbContextFactory<ControlTowerDbContext> contexts, WorkflowGraphValidation validation)
{
    private const int Capacity = 2048;
    private readonly ConcurrentDictionary<(Guid, int), WorkflowDefinition> _cache = new();

    public async Task<WorkflowDefinition> GetAsync(Guid workflowId, int version, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue((workflowId, version), out var cached))
        {
            return cached;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .SingleOrDefaultAsync(v => v.WorkflowId == workflowId && v.Version == version, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, WorkflowErrorCodes.VersionNotFound, $"Workflow {workflowId} has no version {version}.");
        var name = await db.Set<WorkflowEntity>().Where(w => w.Id == workflowId).Select(w => w.Name).SingleAsync(cancellationToken);
        var graph = WorkflowGraph.Parse(row.Graph);
        var definition = new WorkflowDefinition(workflowId, version, name, graph, RunPlan.Compile(graph, validation.Catalog));
        if (_cache.Count >= Capacity)
        {
            _cache.Clear();
        }

        _cache[(workflowId, version)] = definition;
        return definition;
    }
}
