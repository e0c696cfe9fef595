using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// Runs one attempt of a node type. The seam between the durable runner (which decides what runs,
/// records intents and commits results) and what a node does. Executors hold no run state: all
/// they need is in the <see cref="NodeExecutionContext"/>, and all they decide is the returned
/// <see cref="NodeResult"/>. Expected failures are returned as <see cref="NodeResult.Failed"/> (or
/// thrown as a <see cref="Core.Errors.ControlTowerException"/>); cancellation is honoured.
/// </summary>
internal interface INodeExecutor
{
    /// <summary>The node types (catalog names, e.g. <c>transform</c>) this executor runs.</summary>
    IReadOnlyCollection<string> NodeTypes { get; }

    Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Everything one attempt may use. <see cref="Activation"/> is the node's input and CEL activation
/// (<c>{ input, nodes: { id: { outcome, output } }, run, node }</c>); <see cref="Config"/> is the node's
/// config as saved (templates not yet rendered). <see cref="IdempotencyKey"/> is <c>runId:nodeId:attempt</c>:
/// pass it to every side effect. <see cref="Now"/> comes from the runner's TimeProvider.
/// </summary>
internal sealed record NodeExecutionContext(
    Guid RunId,
    Guid WorkflowId,
    int WorkflowVersion,
    string NodeId,
    string NodeType,
    int Attempt,
    string IdempotencyKey,
    JsonObject Config,
    JsonObject Activation,
    Guid ActingUserId,
    DateTimeOffset Now,
    string TraceId,
    IProgress<NodeProgress> Progress);

/// <summary>Progress of a long node (e.g. an MCP tool's progress notifications); becomes an <c>update</c> event.</summary>
internal sealed record NodeProgress(double Progress, double? Total, string? Message);

/// <summary>What an attempt ended with.</summary>
internal abstract record NodeResult
{
    /// <summary>Finished with <paramref name="Outcome"/> (one the node type declares; never <c>error</c>).</summary>
    public sealed record Completed(string Outcome, JsonNode? Output) : NodeResult
    {
        /// <summary>
        /// The output as the engine stores it (redacted, within the size limit), serialized once when the attempt
        /// ends; the checkpoint, the event and the node's record reuse it. Null until then.
        /// </summary>
        public System.Text.Json.JsonElement? Stored { get; init; }
    }

    /// <summary>Failed. Retryable failures are retried per the node's policy; then the <c>error</c> outcome or a run failure.</summary>
    public sealed record Failed(string Code, string Message, bool Retryable) : NodeResult;

    /// <summary>
    /// Parked without a thread: <paramref name="Reason"/> is <c>timer</c> (resumes with outcome
    /// <c>success</c> and <paramref name="Output"/> at <paramref name="ResumeAt"/>, a durable row),
    /// <c>approval</c>, <c>outcome_unknown</c> ... (resumed by whoever decides).
    /// </summary>
    public sealed record Waiting(string Reason, DateTimeOffset? ResumeAt, JsonNode? Output) : NodeResult;

    /// <summary>Start a child run of <paramref name="WorkflowId"/> (latest enabled version) and wait for it; its failure is this node's failure.</summary>
    public sealed record StartChild(Guid WorkflowId, JsonNode? Input) : NodeResult
    {
        /// <summary>The version to run (the node's <c>config.version</c>); null: the latest enabled one.</summary>
        public int? Version { get; init; }
    }

    public static NodeResult Success(JsonNode? output) => new Completed("success", output);
}
