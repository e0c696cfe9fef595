using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary><c>condition</c>: <c>config.expression</c> must give a bool; outcome <c>true</c> or <c>false</c>, output <c>{ "result": bool }</c>.</summary>
internal sealed class ConditionExecutor(NodeExpressions expressions) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["condition"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() =>
        {
            var result = expressions.EvaluateBool("expression", context.Config.RequiredString("expression"), context.Activation);
            return new NodeResult.Completed(result ? "true" : "false", new JsonObject { ["result"] = result });
        }));
}
