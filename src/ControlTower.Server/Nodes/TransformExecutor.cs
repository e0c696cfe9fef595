using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>transform</c>: the output is the value of <c>config.expression</c> (CEL), or <c>config.mapping</c>
/// with every string inside rendered as a template (a string that is one template expression keeps its JSON type).
/// Exactly one of the two must be set. Outcome <c>success</c>.
/// </summary>
internal sealed class TransformExecutor(NodeExpressions expressions) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["transform"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() => Execute(context)));

    private NodeResult Execute(NodeExecutionContext context)
    {
        var expression = context.Config.OptionalString("expression");
        var mapping = context.Config.OptionalObject("mapping");
        return (expression, mapping) switch
        {
            ({ } source, null) => NodeResult.Success(expressions.Evaluate("expression", source, context.Activation)),
            (null, { } template) => NodeResult.Success(NodeExpressions.Render("mapping", template, context.Activation)),
            _ => throw NodeFailureException.ConfigInvalid("transform needs exactly one of config.expression and config.mapping."),
        };
    }
}
