using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Graphs;

/// <summary>One thing wrong with a graph: a stable <see cref="Code"/> (see <see cref="GraphProblemCodes"/>), where (RFC 6901 pointer into the graph document) and what.</summary>
public sealed record GraphProblem(string Code, string JsonPointer, string Message);

/// <summary>The stable codes of <see cref="GraphProblem"/>.</summary>
public static class GraphProblemCodes
{
    /// <summary>The graph document has no <c>version</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string VersionMissing = "graph.version_missing";

    /// <summary>The graph's <c>version</c> is not one this build reads.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string VersionUnsupported = "graph.version_unsupported";

    /// <summary>A node's <c>type</c> is not a known node type.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NodeTypeUnknown = "graph.node_type_unknown";

    /// <summary>Two nodes share an id.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NodeIdDuplicate = "graph.node_id_duplicate";

    /// <summary>A node id that is not <c>^[A-Za-z_][A-Za-z0-9_-]{0,63}$</c> (ids appear in idempotency keys <c>runId:nodeId:attempt</c> and in CEL).</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NodeIdInvalid = "graph.node_id_invalid";

    /// <summary>An edge names a node that does not exist.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string EdgeDangling = "graph.edge_dangling";

    /// <summary>An edge leaves by an outcome handle its source node does not declare.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string HandleUnknown = "graph.handle_unknown";

    /// <summary>A node's config does not match its type's config schema.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ConfigInvalid = "graph.config_invalid";

    /// <summary>An expression or template in a node's config does not parse or check.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ExpressionInvalid = "graph.expression_invalid";

    /// <summary>A node no trigger can reach.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NodeUnreachable = "graph.node_unreachable";

    /// <summary>The graph has no trigger node.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string TriggerMissing = "graph.trigger_missing";

    /// <summary>A cycle with no edge that bounds it by a <c>loop</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string CycleUnbounded = "graph.cycle_unbounded";

    /// <summary>A <c>loop</c> on an edge that does not close a cycle, or with <c>maxIterations</c> below 1.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string LoopInvalid = "graph.loop_invalid";

    /// <summary>More nodes, edges or config bytes than the graph limits allow.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string TooLarge = "graph.too_large";

    /// <summary>The graph's <c>config.stepBudget</c> is above the configured maximum (<c>WORKFLOW_MAX_STEP_BUDGET</c>).</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string StepBudgetTooLarge = "graph.step_budget_too_large";
}

/// <summary>The stable codes of <see cref="GraphFormatException"/> and <see cref="GraphInvalidException"/>.</summary>
public static class GraphErrorCodes
{
    /// <summary>The graph document's JSON shape is wrong; <c>pointer</c> names the bad spot.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string JsonInvalid = "graph.json_invalid";

    /// <summary>The graph fails validation where a valid one is required; <c>problems</c> lists every problem.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string Invalid = "graph.invalid";
}

/// <summary>Size limits of a graph. Config bytes are the UTF-8 length of the compact JSON of a node's config.</summary>
public sealed record GraphLimits(int MaxNodes = 500, int MaxEdges = 2000, int MaxNodeConfigBytes = 64 * 1024, int MaxTotalConfigBytes = 1024 * 1024, int MaxStepBudget = 100_000)
{
    public static GraphLimits Default { get; } = new();

    /// <summary>No size limits (for compiling an already-accepted graph).</summary>
    public static GraphLimits Unbounded { get; } = new(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue);
}

/// <summary>
/// Checks supplied by the caller. <see cref="ValidateConfig"/>(schema, value) returns the value's
/// problems as (pointer relative to the value, message); <see cref="CheckExpression"/>(source,
/// isTemplate) returns an error message or null. A null hook skips that check.
/// </summary>
public sealed record GraphValidationHooks(
    Func<JsonObject, JsonNode?, IEnumerable<(string Pointer, string Message)>>? ValidateConfig = null,
    Func<string, bool, string?>? CheckExpression = null)
{
    public static GraphValidationHooks None { get; } = new();
}

/// <summary>
/// Validates a graph and reports every problem at once, in document order within each kind.
/// Cycles: every cycle of non-loop edges is <c>graph.cycle_unbounded</c>; a cycle is bounded when
/// one of its edges carries <c>"loop": { "maxIterations": n }</c>, and such an edge must close a
/// cycle (its target reaches its source through non-loop edges). When the node or edge count
/// exceeds its limit only the size problems are reported: validating an oversized graph would be
/// the very cost the limit exists to refuse.
/// </summary>
public static partial class GraphValidator
{
    public static IReadOnlyList<GraphProblem> Validate(WorkflowGraph graph, NodeTypeCatalog catalog, GraphLimits limits, GraphValidationHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(hooks);
        var problems = new List<GraphProblem>();
        CheckVersion(graph, problems);
        if (!CheckSize(graph, limits, problems))
        {
            return problems;
        }

        CheckGraphConfig(graph.Config, limits, problems);
        var index = CheckNodeIds(graph, problems);
        CheckPhases(graph.Config, index, problems);
        CheckOutcomes(graph.Config, problems);
        var types = CheckNodes(graph, catalog, hooks, problems);
        var edges = CheckEdges(graph, index, types, problems);
        CheckTriggers(graph, types, problems);
        CheckCycles(graph, edges, problems);
        CheckReachability(graph, types, edges, problems);
        return problems;
    }

    /// <summary>Escapes one reference token of a JSON pointer (RFC 6901).</summary>
    public static string EscapePointerToken(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NodeIdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex PhasePattern();

    private static void CheckVersion(WorkflowGraph graph, List<GraphProblem> problems)
    {
        if (graph.Version is null)
        {
            problems.Add(new(GraphProblemCodes.VersionMissing, "/version", $"The graph has no version; this build reads version \"{WorkflowGraph.CurrentVersion}\"."));
        }
        else if (graph.Version != WorkflowGraph.CurrentVersion)
        {
            problems.Add(new(GraphProblemCodes.VersionUnsupported, "/version", $"Graph version \"{graph.Version}\" is not supported; this build reads \"{WorkflowGraph.CurrentVersion}\"."));
        }
    }

    private static bool CheckSize(WorkflowGraph graph, GraphLimits limits, List<GraphProblem> problems)
    {
        var countsFit = true;
        if (graph.Nodes.Count > limits.MaxNodes)
        {
            problems.Add(new(GraphProblemCodes.TooLarge, "/nodes", $"The graph has {graph.Nodes.Count} nodes; the limit is {limits.MaxNodes}."));
            countsFit = false;
        }

        if (graph.Edges.Count > limits.MaxEdges)
        {
            problems.Add(new(GraphProblemCodes.TooLarge, "/edges", $"The graph has {graph.Edges.Count} edges; the limit is {limits.MaxEdges}."));
            countsFit = false;
        }

        if (!countsFit)
        {
            return false;
        }

        long total = ConfigBytes(graph.Config);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var bytes = ConfigBytes(graph.Nodes[i].Config);
            total += bytes;
            if (bytes > limits.MaxNodeConfigBytes)
            {
                problems.Add(new(GraphProblemCodes.TooLarge, $"/nodes/{i}/config", $"The config of node '{graph.Nodes[i].Id}' is {bytes} bytes; the limit is {limits.MaxNodeConfigBytes}."));
            }
        }

        if (total > limits.MaxTotalConfigBytes)
        {
            problems.Add(new(GraphProblemCodes.TooLarge, "", $"The configs of the graph total {total} bytes; the limit is {limits.MaxTotalConfigBytes}."));
        }

        return true;
    }

    private static int ConfigBytes(JsonObject config) => Encoding.UTF8.GetByteCount(config.ToJsonString());

    private static void CheckGraphConfig(JsonObject config, GraphLimits limits, List<GraphProblem> problems)
    {
        foreach (var key in new[] { "stepBudget", "maxParallelNodes" })
        {
            if (config[key] is { } value && !(value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n >= 1))
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, $"/config/{key}", $"'{key}' must be an integer of at least 1."));
            }
        }

        if (config["stepBudget"] is JsonValue budget && budget.TryGetValue<int>(out var steps) && steps > limits.MaxStepBudget)
        {
            problems.Add(new(GraphProblemCodes.StepBudgetTooLarge, "/config/stepBudget", $"'stepBudget' is {steps}; the most a workflow may ask for is {limits.MaxStepBudget}."));
        }

        if (config["durability"] is { } durability && !(durability is JsonValue d && d.GetValueKind() == JsonValueKind.String && d.GetValue<string>() is "checkpoint" or "step"))
        {
            problems.Add(new(GraphProblemCodes.ConfigInvalid, "/config/durability",
                "'durability' must be \"checkpoint\" (commit at durability boundaries, the default) or \"step\" (commit after every node)."));
        }

        if (Retention.RetentionPolicy.FromGraphConfig(config).Problem is { } retention)
        {
            problems.Add(new(GraphProblemCodes.ConfigInvalid, "/config/retention", retention));
        }
    }

    /// <summary><c>config.phases</c>: node id → the phase (a short snake_case word) a run is in once that node has succeeded.</summary>
    private static void CheckPhases(JsonObject config, Dictionary<string, int> index, List<GraphProblem> problems)
    {
        if (config["phases"] is not { } phases)
        {
            return;
        }

        if (phases is not JsonObject map)
        {
            problems.Add(new(GraphProblemCodes.ConfigInvalid, "/config/phases", "'phases' must be an object mapping node ids to phase names."));
            return;
        }

        foreach (var (nodeId, phase) in map)
        {
            var pointer = $"/config/phases/{EscapePointerToken(nodeId)}";
            if (!index.ContainsKey(nodeId))
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, pointer, $"'phases' names node '{nodeId}', which the graph does not have."));
            }

            if (!(phase is JsonValue v && v.GetValueKind() == JsonValueKind.String && PhasePattern().IsMatch(v.GetValue<string>())))
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, pointer, "A phase must be a snake_case word of at most 40 characters, e.g. \"access_granted\"."));
            }
        }
    }

    /// <summary>
    /// <c>config.outcomes</c>: phase → <c>"success"</c> or <c>"failure"</c>, the business outcome of a run that ends in that
    /// phase, so a run that completed its graph on a "not dispensed" branch does not read as a success.
    /// </summary>
    private static void CheckOutcomes(JsonObject config, List<GraphProblem> problems)
    {
        if (config["outcomes"] is not { } outcomes)
        {
            return;
        }

        if (outcomes is not JsonObject map)
        {
            problems.Add(new(GraphProblemCodes.ConfigInvalid, "/config/outcomes", "'outcomes' must be an object mapping phase names to \"success\" or \"failure\"."));
            return;
        }

        var declared = (config["phases"] as JsonObject)
            ?.Select(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null)
            .ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var (phase, outcome) in map)
        {
            var pointer = $"/config/outcomes/{EscapePointerToken(phase)}";
            if (!declared.Contains(phase))
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, pointer, $"'outcomes' names phase '{phase}', which no node declares in 'phases'."));
            }

            if (!(outcome is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is "success" or "failure"))
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, pointer, "An outcome must be \"success\" or \"failure\"."));
            }
        }
    }

    private static Dictionary<string, int> CheckNodeIds(WorkflowGraph graph, List<GraphProblem> problems)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var id = graph.Nodes[i].Id;
            if (!NodeIdPattern().IsMatch(id))
            {
                problems.Add(new(GraphProblemCodes.NodeIdInvalid, $"/nodes/{i}/id", $"Node id '{id}' must start with a letter or '_' and hold at most 64 letters, digits, '_' or '-'."));
            }

            if (!index.TryAdd(id, i))
            {
                problems.Add(new(GraphProblemCodes.NodeIdDuplicate, $"/nodes/{i}/id", $"Node id '{id}' is already used by /nodes/{index[id]}."));
            }
        }

        return index;
    }

    private static NodeTypeDescriptor?[] CheckNodes(WorkflowGraph graph, NodeTypeCatalog catalog, GraphValidationHooks hooks, List<GraphProblem> problems)
    {
        var types = new NodeTypeDescriptor?[graph.Nodes.Count];
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            var pointer = $"/nodes/{i}";
            if (node.Retry is { } retry)
            {
                problems.AddRange(retry.Problems().Select(p => new GraphProblem(GraphProblemCodes.ConfigInvalid, $"{pointer}/retry{p.Pointer}", p.Message)));
            }

            if (node.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                problems.Add(new(GraphProblemCodes.ConfigInvalid, $"{pointer}/timeoutMs", "timeoutMs must be positive."));
            }

            if (!catalog.TryGet(node.Type, out var descriptor))
            {
                problems.Add(new(GraphProblemCodes.NodeTypeUnknown, $"{pointer}/type", $"Node type '{node.Type}' is not known."));
                continue;
            }

            types[i] = descriptor;
            if (hooks.ValidateConfig is { } validate)
            {
                problems.AddRange(validate(descriptor.ConfigSchema, node.Config)
                    .Select(p => new GraphProblem(GraphProblemCodes.ConfigInvalid, $"{pointer}/config{p.Pointer}", p.Message)));
            }

            if (hooks.CheckExpression is { } check)
            {
                foreach (var (at, source, isTemplate) in CelFields(descriptor.ConfigSchema, node.Config, $"{pointer}/config"))
                {
                    if (check(source, isTemplate) is { } error)
                    {
                        problems.Add(new(GraphProblemCodes.ExpressionInvalid, at, error));
                    }
                }
            }
        }

        return types;
    }

    /// <summary>Every string in <paramref name="value"/> that <paramref name="schema"/> marks with <c>x-cel</c>, with its pointer.</summary>
    internal static IEnumerable<(string Pointer, string Source, bool IsTemplate)> CelFields(JsonObject schema, JsonNode? value, string pointer)
    {
        if (schema["x-cel"] is JsonValue kind && value is JsonValue text && text.TryGetValue<string>(out var source))
        {
            yield return (pointer, source, kind.ToString() == "template");
        }

        if (value is JsonObject obj)
        {
            var properties = schema["properties"] as JsonObject;
            foreach (var (key, child) in obj)
            {
                var childSchema = properties?[key] as JsonObject ?? schema["additionalProperties"] as JsonObject;
                if (childSchema is not null)
                {
                    foreach (var found in CelFields(childSchema, child, $"{pointer}/{EscapePointerToken(key)}"))
                    {
                        yield return found;
                    }
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var found in CelFields(items, array[i], $"{pointer}/{i}"))
                {
                    yield return found;
                }
            }
        }
    }

    /// <summary>Edges whose both ends exist, as (edge index, source index, target index, is loop).</summary>
    private static List<(int Edge, int Source, int Target, bool IsLoop)> CheckEdges(WorkflowGraph graph, Dictionary<string, int> index, NodeTypeDescriptor?[] types, List<GraphProblem> problems)
    {
        var resolved = new List<(int, int, int, bool)>();
        for (var i = 0; i < graph.Edges.Count; i++)
        {
            var edge = graph.Edges[i];
            var pointer = $"/edges/{i}";
            var hasSource = index.TryGetValue(edge.Source, out var source);
            var hasTarget = index.TryGetValue(edge.Target, out var target);
            if (!hasSource)
            {
                problems.Add(new(GraphProblemCodes.EdgeDangling, $"{pointer}/source", $"Edge source '{edge.Source}' is not a node of this graph."));
            }
            else if (types[source] is { } sourceType && !sourceType.DeclaresOutput(edge.SourceHandle, graph.Nodes[source].Config))
            {
                var declared = string.Join(", ", sourceType.OutcomesFor(graph.Nodes[source].Config).Append(NodeTypeDescriptor.ErrorOutcome));
                problems.Add(new(GraphProblemCodes.HandleUnknown, $"{pointer}/sourceHandle", $"Node '{edge.Source}' ({sourceType.Type}) has no outcome '{edge.SourceHandle}'; it has: {declared}."));
            }

            if (!hasTarget)
            {
                problems.Add(new(GraphProblemCodes.EdgeDangling, $"{pointer}/target", $"Edge target '{edge.Target}' is not a node of this graph."));
            }
            else if (types[target] is { } targetType && !targetType.InputHandles.Contains(edge.TargetHandle))
            {
                var declared = targetType.InputHandles.Count == 0 ? "none" : string.Join(", ", targetType.InputHandles);
                problems.Add(new(GraphProblemCodes.HandleUnknown, $"{pointer}/targetHandle", $"Node '{edge.Target}' ({targetType.Type}) has no input '{edge.TargetHandle}'; it has: {declared}."));
            }

            if (edge.Loop is { MaxIterations: < 1 })
            {
                problems.Add(new(GraphProblemCodes.LoopInvalid, $"{pointer}/loop/maxIterations", "maxIterations must be at least 1."));
            }

            if (hasSource && hasTarget)
            {
                resolved.Add((i, source, target, edge.Loop is not null));
            }
        }

        return resolved;
    }

    private static void CheckTriggers(WorkflowGraph graph, NodeTypeDescriptor?[] types, List<GraphProblem> problems)
    {
        if (!types.Any(t => t?.Category == NodeCategory.Trigger))
        {
            problems.Add(new(GraphProblemCodes.TriggerMissing, "/nodes", "The graph has no trigger node, so no run could start."));
        }
    }

    private static void CheckCycles(WorkflowGraph graph, List<(int Edge, int Source, int Target, bool IsLoop)> edges, List<GraphProblem> problems)
    {
        var forward = GraphAlgorithms.Adjacency(graph.Nodes.Count, edges.Where(e => !e.IsLoop).Select(e => (e.Source, e.Target)));
        var component = GraphAlgorithms.StronglyConnectedComponents(forward);
        var reported = new HashSet<int>();
        foreach (var (edge, source, target, isLoop) in edges)
        {
            if (isLoop)
            {
                if (source != target && !GraphAlgorithms.Reaches(forward, target, source))
                {
                    problems.Add(new(GraphProblemCodes.LoopInvalid, $"/edges/{edge}/loop",
                        $"Edge {graph.Edges[edge].Source} -> {graph.Edges[edge].Target} has a loop bound but closes no cycle: " +
                        $"'{graph.Edges[edge].Target}' does not lead back to '{graph.Edges[edge].Source}'."));
                }

                continue;
            }

            var inCycle = source == target || component[source] == component[target];
            if (inCycle && reported.Add(component[source]))
            {
                var members = Enumerable.Range(0, graph.Nodes.Count).Where(n => component[n] == component[source]).Select(n => graph.Nodes[n].Id);
                problems.Add(new(GraphProblemCodes.CycleUnbounded, $"/edges/{edge}",
                    $"The cycle through {string.Join(", ", members)} has no loop bound; add \"loop\": {{ \"maxIterations\": n }} to the edge that loops back."));
            }
        }
    }

    private static void CheckReachability(WorkflowGraph graph, NodeTypeDescriptor?[] types, List<(int Edge, int Source, int Target, bool IsLoop)> edges, List<GraphProblem> problems)
    {
        var triggers = Enumerable.Range(0, graph.Nodes.Count).Where(i => types[i]?.Category == NodeCategory.Trigger).ToList();
        if (triggers.Count == 0)
        {
            return;
        }

        var adjacency = GraphAlgorithms.Adjacency(graph.Nodes.Count, edges.Select(e => (e.Source, e.Target)));
        var reached = GraphAlgorithms.ReachableFrom(adjacency, triggers);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            if (!reached[i])
            {
                problems.Add(new(GraphProblemCodes.NodeUnreachable, $"/nodes/{i}", $"Node '{graph.Nodes[i].Id}' cannot be reached from any trigger."));
            }
        }
    }
}
