using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>switch</c>: evaluates <c>config.cases[*].when</c> (bool CEL) in order; the outcome is the <c>name</c>
/// of the first that holds, else <c>default</c> (the node type's dynamic outputs: every case name plus
/// <c>default</c>). Later cases are not evaluated. Output <c>{ "case": name, "index": i }</c> (index -1 for default).
/// </summary>
internal sealed class SwitchExecutor(NodeExpressions expressions) : INodeExecutor
{
    public const string DefaultOutcome = "default";

    public IReadOnlyCollection<string> NodeTypes { get; } = ["switch"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() => Execute(context)));

    private NodeResult Execute(NodeExecutionContext context)
    {
        var cases = context.Config.OptionalArray("cases") ?? throw NodeFailureException.ConfigInvalid("config.cases is required.");
        for (var i = 0; i < cases.Count; i++)
        {
            var item = cases[i] as JsonObject ?? throw NodeFailureException.ConfigInvalid($"config.cases[{i}] must be an object.");
            var name = item.RequiredString("name");
            if (expressions.EvaluateBool($"cases[{i}].when", item.RequiredString("when"), context.Activation))
            {
                return Taken(name, i);
            }
        }

        return Taken(DefaultOutcome, -1);
    }

    private static NodeResult.Completed Taken(string outcome, int index) =>
        new(outcome, new JsonObject { ["case"] = outcome, ["index"] = index });
}
