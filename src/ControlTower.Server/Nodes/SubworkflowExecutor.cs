using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>subworkflow</c>: asks the runner to start a child run of <c>config.workflowId</c> (a workflow id,
/// a GUID) at <c>config.version</c> (default: the latest enabled version) with input = the value of
/// <c>config.input</c> (CEL), or this run's input when absent, and to wait for it
/// (<see cref="NodeResult.StartChild"/>). The child's output becomes this node's output; its failure, this node's failure.
/// </summary>
internal sealed class SubworkflowExecutor(NodeExpressions expressions) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["subworkflow"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() => Execute(context)));

    private NodeResult Execute(NodeExecutionContext context)
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
        return new NodeResult.StartChild(workflowId, input) { Version = version };
    }
}
