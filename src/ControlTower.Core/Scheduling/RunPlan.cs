using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Scheduling;

/// <summary>Defaults for what a graph's <c>config</c> does not say.</summary>
public sealed record RunPlanOptions(int DefaultStepBudget = 1000, int DefaultMaxParallelNodes = 0)
{
    public static RunPlanOptions Default { get; } = new();
}

/// <summary>
/// A validated graph compiled for <see cref="RunScheduler"/>: node and edge indices, topological
/// order of the non-loop edges, each node's effective retry policy and timeout, loop regions and
/// the step budget. Immutable; compile once per workflow version and share it across runs.
/// </summary>
public sealed class RunPlan
{
    private readonly FrozenDictionary<string, int> _indexById;

    private RunPlan(ImmutableArray<PlanNode> nodes, ImmutableArray<PlanEdge> edges, ImmutableArray<int> topologicalOrder, ImmutableArray<int> loopEdges, int stepBudget, int maxParallelNodes)
    {
        Nodes = nodes;
        Edges = edges;
        TopologicalOrder = topologicalOrder;
        LoopEdges = loopEdges;
        StepBudget = stepBudget;
        MaxParallelNodes = maxParallelNodes;
        _indexById = nodes.ToFrozenDictionary(n => n.Id, n => n.Index, StringComparer.Ordinal);
    }

    /// <summary>The nodes in graph order (<see cref="PlanNode.Index"/> = position here = position in <see cref="RunState.Nodes"/>).</summary>
    public ImmutableArray<PlanNode> Nodes { get; }

    /// <summary>The edges in graph order.</summary>
    public ImmutableArray<PlanEdge> Edges { get; }

    /// <summary>Node indices ordered so that every non-loop edge goes forward (ties by index).</summary>
    public ImmutableArray<int> TopologicalOrder { get; }

    /// <summary>Indices of the loop (back) edges; <see cref="RunState.LoopIterations"/> is aligned with this.</summary>
    public ImmutableArray<int> LoopEdges { get; }

    /// <summary>The most node executions (attempts, the trigger included) one run may use.</summary>
    public int StepBudget { get; }

    /// <summary>How many nodes of one run may be running at once; 0 = unlimited.</summary>
    public int MaxParallelNodes { get; }

    /// <summary>
    /// The run's phase (graph <c>config.phases</c>): the phase of the node that succeeded last among those that declare
    /// one; null before any has. A workflow names the milestones of the case it carries (e.g. ordered → access_granted →
    /// dispensed), so a list of runs says where each case is without reading its nodes.
    /// </summary>
    public string? PhaseOf(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string? phase = null;
        long latest = -1;
        for (var i = 0; i < Nodes.Length && i < state.Nodes.Length; i++)
        {
            var node = state.Nodes[i];
            if (Nodes[i].Phase is { } declared && node.Status == NodeStatus.Succeeded && node.CompletedSeq > latest)
            {
                (phase, latest) = (declared, node.CompletedSeq);
            }
        }

        return phase;
    }

    /// <summary>
    /// The business outcome of a run in <paramref name="phase"/> (graph <c>config.outcomes</c>: <c>success</c> or
    /// <c>failure</c>); null when the workflow declares none for it.
    /// </summary>
    public string? OutcomeOf(string? phase) => phase is not null && Outcomes.TryGetValue(phase, out var outcome) ? outcome : null;

    private FrozenDictionary<string, string> Outcomes { get; init; } = FrozenDictionary<string, string>.Empty;

    public bool TryGetIndex(string nodeId, out int index) => _indexById.TryGetValue(nodeId, out index);

    public PlanNode Node(string nodeId) =>
        TryGetIndex(nodeId, out var index) ? Nodes[index] : throw new SchedulerException(SchedulerErrorCodes.NodeUnknown, $"The plan has no node '{nodeId}'.");

    /// <summary>
    /// Validates <paramref name="graph"/> (without size limits or config/expression hooks: the
    /// caller validated those when the version was saved) and compiles it.
    /// Throws <see cref="GraphInvalidException"/> when the graph has any problem.
    /// </summary>
    public static RunPlan Compile(WorkflowGraph graph, NodeTypeCatalog catalog, RunPlanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= RunPlanOptions.Default;
        var problems = GraphValidator.Validate(graph, catalog, GraphLimits.Unbounded, GraphValidationHooks.None);
        if (problems.Count > 0)
        {
            throw new GraphInvalidException(problems);
        }

        var index = graph.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        var loopOrdinal = 0;
        var edges = graph.Edges.Select((e, i) => new PlanEdge
        {
            Index = i,
            Source = index[e.Source],
            Target = index[e.Target],
            SourceHandle = e.SourceHandle,
            TargetHandle = e.TargetHandle,
            MaxIterations = e.Loop?.MaxIterations ?? 0,
            LoopOrdinal = e.Loop is null ? -1 : loopOrdinal++,
        }).ToArray();

        var count = graph.Nodes.Count;
        var forward = GraphAlgorithms.Adjacency(count, edges.Where(e => !e.IsLoop).Select(e => (e.Source, e.Target)));
        var order = GraphAlgorithms.TopologicalOrder(forward);
        var rank = new int[count];
        for (var i = 0; i < order.Length; i++)
        {
            rank[order[i]] = i;
        }

        for (var i = 0; i < edges.Length; i++)
        {
            if (edges[i].IsLoop)
            {
                edges[i] = WithRegion(edges[i], edges, forward, rank);
            }
        }

        var reverse = GraphAlgorithms.Adjacency(count, edges.Select(e => (e.Target, e.Source)));
        var phases = graph.Config["phases"] as JsonObject;
        var nodes = graph.Nodes.Select((n, i) => BuildNode(n, i, catalog, edges, reverse) with { Phase = phases?[n.Id]?.GetValue<string>() }).ToImmutableArray();
        return new RunPlan(
            nodes,
            [.. edges],
            [.. order],
            [.. edges.Where(e => e.IsLoop).Select(e => e.Index)],
            PositiveInt(graph.Config, "stepBudget") ?? options.DefaultStepBudget,
            PositiveInt(graph.Config, "maxParallelNodes") ?? options.DefaultMaxParallelNodes)
        {
            Outcomes = (graph.Config["outcomes"] as JsonObject ?? new JsonObject()).ToFrozenDictionary(o => o.Key, o => o.Value!.GetValue<string>(), StringComparer.Ordinal),
        };
    }

    private static PlanEdge WithRegion(PlanEdge loop, PlanEdge[] edges, List<int>[] forward, int[] rank)
    {
        var inRegion = GraphAlgorithms.ReachableFrom(forward, [loop.Target]);
        var region = Enumerable.Range(0, inRegion.Length).Where(n => inRegion[n]).OrderBy(n => rank[n]).ToImmutableArray();
        var inner = edges.Where(e => e.IsLoop && e.Index != loop.Index && inRegion[e.Source] && inRegion[e.Target]).Select(e => e.LoopOrdinal).ToImmutableArray();
        return loop with { Region = region, InnerLoops = inner };
    }

    private static PlanNode BuildNode(GraphNode node, int i, NodeTypeCatalog catalog, PlanEdge[] edges, List<int>[] reverse)
    {
        catalog.TryGet(node.Type, out var descriptor);
        var type = descriptor!;
        var ancestors = GraphAlgorithms.ReachableFrom(reverse, reverse[i]);
        return new PlanNode
        {
            Index = i,
            Id = node.Id,
            Type = node.Type,
            Descriptor = type,
            Config = node.Config,
            IsTrigger = type.Category == NodeCategory.Trigger,
            IsRespond = node.Type == "respond",
            MergeAny = node.Type == "merge" && node.Config["mode"] is JsonValue mode && mode.GetValueKind() == JsonValueKind.String && mode.GetValue<string>() == "any",
            Outcomes = [.. type.OutcomesFor(node.Config)],
            Retry = node.Retry ?? type.DefaultRetry,
            Timeout = node.Timeout ?? type.DefaultTimeout,
            OnUnknownOutcome = node.OnUnknownOutcome ?? type.DefaultUnknownOutcome,
            IncomingForward = [.. edges.Where(e => e.Target == i && !e.IsLoop).Select(e => e.Index)],
            Outgoing = [.. edges.Where(e => e.Source == i).Select(e => e.Index)],
            OutgoingLoops = [.. edges.Where(e => e.Source == i && e.IsLoop).Select(e => e.Index)],
            HasErrorEdge = edges.Any(e => e.Source == i && e.SourceHandle == NodeTypeDescriptor.ErrorOutcome),
            Ancestors = [.. Enumerable.Range(0, ancestors.Length).Where(a => ancestors[a])],
        };
    }

    private static int? PositiveInt(JsonObject config, string key) =>
        config[key] is JsonValue v && v.TryGetValue<int>(out var n) && n >= 1 ? n : null;
}

/// <summary>A node of a <see cref="RunPlan"/>.</summary>
public sealed record PlanNode
{
    public required int Index { get; init; }

    public required string Id { get; init; }

    public required string Type { get; init; }

    public required NodeTypeDescriptor Descriptor { get; init; }

    /// <summary>The node's config as saved (shared: do not mutate).</summary>
    public required JsonObject Config { get; init; }

    public required bool IsTrigger { get; init; }

    public required bool IsRespond { get; init; }

    /// <summary>The phase the run enters when this node succeeds (graph <c>config.phases</c>); null when it names none.</summary>
    public string? Phase { get; init; }

    /// <summary>A <c>merge</c> in mode <c>any</c>: fires on the first taken incoming edge.</summary>
    public required bool MergeAny { get; init; }

    /// <summary>The success outcomes this node may report (switch: its case names + default).</summary>
    public required ImmutableArray<string> Outcomes { get; init; }

    public required RetryPolicy Retry { get; init; }

    /// <summary>Null: no timeout (approvals, delays wait as long as they need).</summary>
    public required TimeSpan? Timeout { get; init; }

    public required UnknownOutcomePolicy OnUnknownOutcome { get; init; }

    /// <summary>Edge indices of non-loop edges into this node (the ones its join waits for).</summary>
    public required ImmutableArray<int> IncomingForward { get; init; }

    public required ImmutableArray<int> Outgoing { get; init; }

    public required ImmutableArray<int> OutgoingLoops { get; init; }

    /// <summary>Whether an edge leaves the <c>error</c> handle, i.e. whether a failure is caught.</summary>
    public required bool HasErrorEdge { get; init; }

    /// <summary>Indices of every node with a path (any edges, loops included) to this one: whose results its input shows.</summary>
    public required ImmutableArray<int> Ancestors { get; init; }
}

/// <summary>An edge of a <see cref="RunPlan"/>; loop edges carry the region a new iteration resets.</summary>
public sealed record PlanEdge
{
    public required int Index { get; init; }

    public required int Source { get; init; }

    public required int Target { get; init; }

    public required string SourceHandle { get; init; }

    public required string TargetHandle { get; init; }

    /// <summary>0 for a forward edge.</summary>
    public required int MaxIterations { get; init; }

    /// <summary>Position of this edge in <see cref="RunPlan.LoopEdges"/>; -1 for a forward edge.</summary>
    public required int LoopOrdinal { get; init; }

    public bool IsLoop => LoopOrdinal >= 0;

    /// <summary>Loop edges: every node reachable from the target over forward edges (topological order); reset on each iteration.</summary>
    public ImmutableArray<int> Region { get; init; } = [];

    /// <summary>Loop edges: ordinals of loops nested in the region, whose counters restart on each iteration.</summary>
    public ImmutableArray<int> InnerLoops { get; init; } = [];
}
