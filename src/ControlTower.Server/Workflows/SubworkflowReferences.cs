using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Workflows;

/// <summary>
/// Save-time checks of <c>subworkflow</c> nodes, which need the database: the child workflow (and a pinned
/// version) must exist, and saving must not close a cycle (A → B → A). The cycle search follows each child's
/// pinned version, else its latest; the run-time depth limit stays the backstop for what changes later.
/// </summary>
internal sealed class SubworkflowReferences(IDbContextFactory<ControlTowerDbContext> contexts)
{
    private const string NodeType = "subworkflow";

    // A search that visits more workflows than this stops; the depth limit still bounds any run.
    private const int MaxVisited = 1000;

    public async Task<IReadOnlyList<GraphProblem>> ProblemsAsync(Guid? self, WorkflowGraph graph, CancellationToken cancellationToken)
    {
        var problems = new List<GraphProblem>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Type != NodeType || References(node.Config) is not { } reference)
            {
                continue;
            }

            var pointer = $"/nodes/{i}/config/workflowId";
            var name = await NameAsync(db, reference, cancellationToken);
            if (name is null)
            {
                problems.Add(new GraphProblem(WorkflowErrorCodes.SubworkflowUnknown, pointer,
                    $"Node '{node.Id}' starts workflow {reference.WorkflowId}{(reference.Version is { } v ? $" version {v}" : "")}, which does not exist."));
                continue;
            }

            if (self is { } selfId && await PathBackAsync(db, selfId, reference, cancellationToken) is { } path)
            {
                problems.Add(new GraphProblem(WorkflowErrorCodes.SubworkflowCycle, pointer,
                    $"Node '{node.Id}' starts '{name}', which leads back to this workflow ({string.Join(" → ", path)}): subworkflows may not form a cycle."));
            }
        }

        return problems;
    }

    private readonly record struct Reference(Guid WorkflowId, int? Version);

    /// <summary>The child a node names; a malformed id is left to the node's config schema and the executor.</summary>
    private static Reference? References(JsonObject config)
    {
        if (config["workflowId"] is not JsonValue id || !id.TryGetValue<string>(out var text) || !Guid.TryParse(text, out var workflowId))
        {
            return null;
        }

        return new Reference(workflowId, config["version"] is JsonValue v && v.TryGetValue<int>(out var version) ? version : null);
    }

    private static async Task<string?> NameAsync(ControlTowerDbContext db, Reference reference, CancellationToken cancellationToken)
    {
        var workflow = await db.Set<WorkflowEntity>().AsNoTracking().Where(w => w.Id == reference.WorkflowId)
            .Select(w => new { w.Name, w.LatestVersion }).SingleOrDefaultAsync(cancellationToken);
        return workflow is not null && (reference.Version is not { } version || (version >= 1 && version <= workflow.LatestVersion)) ? workflow.Name : null;
    }

    /// <summary>The names along a path from <paramref name="start"/> back to <paramref name="self"/>, or null when there is none.</summary>
    private static async Task<List<string>?> PathBackAsync(ControlTowerDbContext db, Guid self, Reference start, CancellationToken cancellationToken)
    {
        var visited = new HashSet<Guid>();
        var stack = new Stack<(Reference Reference, List<Guid> Path)>();
        stack.Push((start, [start.WorkflowId]));
        while (stack.Count > 0 && visited.Count < MaxVisited)
        {
            var (current, path) = stack.Pop();
            if (current.WorkflowId == self)
            {
                return await NamesAsync(db, [self, .. path], cancellationToken);
            }

            if (!visited.Add(current.WorkflowId))
            {
                continue;
            }

            foreach (var next in await ChildrenAsync(db, current, cancellationToken))
            {
                stack.Push((next, [.. path, next.WorkflowId]));
            }
        }

        return null;
    }

    private static async Task<IEnumerable<Reference>> ChildrenAsync(ControlTowerDbContext db, Reference reference, CancellationToken cancellationToken)
    {
        var version = reference.Version
            ?? await db.Set<WorkflowEntity>().Where(w => w.Id == reference.WorkflowId).Select(w => (int?)w.LatestVersion).SingleOrDefaultAsync(cancellationToken);
        var json = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .Where(v => v.WorkflowId == reference.WorkflowId && v.Version == version).Select(v => v.Graph).SingleOrDefaultAsync(cancellationToken);
        if (json is null)
        {
            return [];
        }

        return WorkflowGraph.Parse(json).Nodes.Where(n => n.Type == NodeType).Select(n => References(n.Config)).OfType<Reference>().ToList();
    }

    private static async Task<List<string>> NamesAsync(ControlTowerDbContext db, List<Guid> path, CancellationToken cancellationToken)
    {
        var ids = path.Distinct().ToList();
        var names = await db.Set<WorkflowEntity>().AsNoTracking().Where(w => ids.Contains(w.Id)).ToDictionaryAsync(w => w.Id, w => w.Name, cancellationToken);
        return path.ConvertAll(id => names.GetValueOrDefault(id, id.ToString()));
    }
}
