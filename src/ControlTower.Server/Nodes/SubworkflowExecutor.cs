using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>subworkflow</c>: asks the runner to start a child run of <c>config.workflowId</c> (a workflow id,
/// a GUID) at <c>config.version</c> (default: the latest version) with input = the value of
/// <c>config.input</c> (CEL), or this run's input when absent, and to wait for it
/// (<see cref="NodeResult.StartChild"/>). The child's output becomes this node's output; its failure, this node's failure.
/// A child that is missing or disabled, or a start that would nest deeper than the configured limit, fails the node
/// (<see cref="SubworkflowChildren"/>); the version is pinned here, so the start cannot fail later.
/// </summary>
internal sealed class SubworkflowExecutor(NodeExpressions expressions, SubworkflowChildren children) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["subworkflow"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.Config.RequiredString("workflowId");
        if (!Guid.TryParse(id, out var workflowId))
        {
            throw NodeFailureException.ConfigInvalid("config.workflowId must be a workflow id (a GUID).");
        }

        var version = context.Config.OptionalInt("version");
        if (version is < 1)
        {
            throw NodeFailureException.ConfigInvalid("config.version must be at least 1.");
        }

        var input = context.Config.OptionalString("input") is { } expression
            ? expressions.Evaluate("input", expression, context.Activation)
            : context.Activation["input"]?.DeepClone();
        var pinned = await children.ResolveAsync(context.RunId, workflowId, version, context.IdempotencyKey, cancellationToken);
        return new NodeResult.StartChild(workflowId, input) { Version = pinned };
    }
}
