using System.Text.Json.Nodes;
using ControlTower.Core.Rules;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Rules;

/// <summary>
/// <c>rules</c>: evaluates rule set <c>config.ruleSetId</c> (<c>config.version</c>, default the latest) over
/// <c>config.facts</c> (CEL over the node input; default the run input). Outcome: the route of the first
/// matching <c>route</c> rule, else <c>matched</c> or <c>unmatched</c>. Output: the evaluation (matches, outputs,
/// tags, and for every rule why). A <c>unique</c> violation fails the node with <c>rules.unique_violation</c>.
/// </summary>
internal sealed class RulesExecutor(RuleSetService rules, NodeExpressions expressions) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["rules"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var facts = context.Config.OptionalString("facts") is { } expression
            ? expressions.Evaluate("facts", expression, context.Activation)
            : context.Activation["input"]?.DeepClone();
        if (facts is not JsonObject input)
        {
            throw NodeFailureException.ConfigInvalid("The rules node's facts (config.facts, or the run input) must be an object.");
        }

        RuleRun run;
        try
        {
            run = await rules.EvaluateAsync(context.Config.RequiredString("ruleSetId"), context.Config.OptionalInt("version"), input,
                $"run:{context.RunId}", $"rules node '{context.NodeId}'", cancellationToken);
        }
        catch (RuleException ex)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, Retryable: false);
        }

        var outcome = run.Evaluation.Route ?? (run.Evaluation.Matched.Count > 0 ? "matched" : "unmatched");
        return new NodeResult.Completed(outcome, JsonNode.Parse(run.ToJson().ToJsonString()));
    }
}
