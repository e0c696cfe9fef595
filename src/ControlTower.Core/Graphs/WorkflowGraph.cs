using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>
/// A workflow graph, schema v1 (DESIGN.md §2). Parse with <see cref="Parse"/>, check with
/// <see cref="GraphValidator.Validate"/>, compile for execution with
/// <see cref="Scheduling.RunPlan.Compile"/>.
/// </summary>
/// <remarks>
/// <see cref="Version"/> stays <c>null</c> when the document has none so that the validator can
/// report <c>graph.version_missing</c> together with every other problem.
/// Graph-level <see cref="Config"/> keys understood by the engine: <c>stepBudget</c> (int, the
/// maximum number of node executions of one run, default 1000) and <c>maxParallelNodes</c>
/// (int, how many nodes of one run may run at once, default unlimited).
/// </remarks>
public sealed record WorkflowGraph(
    string? Version,
    IReadOnlyList<GraphNode> Nodes,
    IReadOnlyList<GraphEdge> Edges,
    JsonObject Config)
{
    /// <summary>The only schema version this build understands.</summary>
    public const string CurrentVersion = "1.0";

    /// <summary>Parses a graph document; throws <see cref="GraphFormatException"/> (<c>graph.json_invalid</c>) when its shape is wrong.</summary>
    public static WorkflowGraph Parse(string json) => WorkflowGraphJson.Parse(json);

    /// <summary>Parses an already-parsed graph document.</summary>
    public static WorkflowGraph FromJson(JsonNode? document) => WorkflowGraphJson.FromJson(document);

    /// <summary>The canonical JSON form (a fresh tree the caller may mutate).</summary>
    public JsonObject ToJson() => WorkflowGraphJson.ToJson(this);
}

/// <summary>
/// One node. <see cref="Config"/> is checked against the node type's config schema.
/// <see cref="Retry"/>, <see cref="Timeout"/> and <see cref="OnUnknownOutcome"/> override the
/// node type's defaults (JSON: <c>retry</c>, <c>timeoutMs</c>, <c>onUnknownOutcome</c>).
/// </summary>
public sealed record GraphNode(string Id, string Type, JsonObject Config, GraphPosition? Position = null)
{
    /// <summary>A label for people; the engine never reads it.</summary>
    public string? Name { get; init; }

    public RetryPolicy? Retry { get; init; }

    public TimeSpan? Timeout { get; init; }

    public UnknownOutcomePolicy? OnUnknownOutcome { get; init; }
}

/// <summary>Where the dashboard draws a node.</summary>
public sealed record GraphPosition(double X, double Y);

/// <summary>
/// A directed edge from <see cref="Source"/>'s outcome <see cref="SourceHandle"/> (default
/// <c>success</c>) to <see cref="Target"/>'s input <see cref="TargetHandle"/> (default <c>in</c>).
/// An edge with a <see cref="Loop"/> is a back edge: it closes a cycle and may be followed at
/// most <see cref="LoopBound.MaxIterations"/> times per run (per entry into an enclosing loop).
/// Every cycle in a graph must contain at least one such edge.
/// </summary>
public sealed record GraphEdge(string Source, string Target, string SourceHandle = GraphEdge.DefaultSourceHandle, string TargetHandle = GraphEdge.DefaultTargetHandle)
{
    public const string DefaultSourceHandle = "success";
    public const string DefaultTargetHandle = "in";

    /// <summary>An optional id (the dashboard's); the engine addresses edges by index.</summary>
    public string? Id { get; init; }

    public LoopBound? Loop { get; init; }
}

/// <summary>JSON <c>"loop": { "maxIterations": n }</c> on a back edge: how many times it may loop back.</summary>
public sealed record LoopBound(int MaxIterations);

/// <summary>What the runner does after a crash between a side effect's intent and its result.</summary>
public enum UnknownOutcomePolicy
{
    /// <summary>Run the node again with a new attempt (the tool dedupes by idempotency key).</summary>
    Retry,

    /// <summary>Park the node as waiting with reason <c>outcome_unknown</c> until a person decides.</summary>
    Ask,
}

/// <summary>
/// Per-node retry policy. Attempt <c>k</c> (1-based, within one activation of the node) that fails
/// retryably is retried after <c>min(MaxBackoff, InitialBackoff * Multiplier^(k-1))</c> scaled by a
/// deterministic jitter factor in <c>[1 - Jitter, 1 + Jitter]</c> (then capped at MaxBackoff).
/// JSON: <c>{ "maxAttempts": 3, "initialBackoffMs": 1000, "multiplier": 2, "maxBackoffMs": 60000, "jitter": 0.2 }</c>.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialBackoff, double Multiplier, TimeSpan MaxBackoff, double Jitter)
{
    /// <summary>One attempt, no retry.</summary>
    public static RetryPolicy None { get; } = new(1, TimeSpan.Zero, 1, TimeSpan.Zero, 0);

    /// <summary>The default for nodes that call the outside world.</summary>
    public static RetryPolicy Standard { get; } = new(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), 0.2);

    /// <summary>Problems with this policy as (relative JSON pointer, message); empty when valid.</summary>
    public IEnumerable<(string Pointer, string Message)> Problems()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            yield return ("/maxAttempts", "maxAttempts must be between 1 and 100");
        }

        if (InitialBackoff < TimeSpan.Zero)
        {
            yield return ("/initialBackoffMs", "initialBackoffMs must not be negative");
        }

        if (double.IsNaN(Multiplier) || Multiplier < 1 || Multiplier > 10)
        {
            yield return ("/multiplier", "multiplier must be between 1 and 10");
        }

        if (MaxBackoff < InitialBackoff)
        {
            yield return ("/maxBackoffMs", "maxBackoffMs must not be less than initialBackoffMs");
        }

        if (double.IsNaN(Jitter) || Jitter < 0 || Jitter > 1)
        {
            yield return ("/jitter", "jitter must be between 0 and 1");
        }
    }
}
