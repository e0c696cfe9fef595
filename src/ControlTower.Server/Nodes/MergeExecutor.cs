using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>merge</c>: the join itself (mode <c>all</c> / <c>any</c>) is the scheduler's; the executor passes
/// the upstream results through. Output: an object keyed by upstream node id holding each one's output,
/// for every upstream node in the activation that has an output, in graph order:
/// <code>{ "start": &lt;run input&gt;, "a": &lt;output of a&gt;, "b": &lt;output of b&gt; }</code>
/// The activation shows every ancestor with a result (not only the direct predecessors, and never the
/// skipped branch), so with mode <c>any</c> only the branches that finished appear. Ancestors that failed
/// with a caught error carry no output and are left out. Outcome <c>success</c>.
/// </summary>
internal sealed class MergeExecutor : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["merge"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var merged = new JsonObject();
        if (context.Activation["nodes"] is JsonObject upstream)
        {
            foreach (var (nodeId, result) in upstream)
            {
                if (result is JsonObject r && r.TryGetPropertyValue("output", out var output))
                {
                    merged[nodeId] = output?.DeepClone();
                }
            }
        }

        return Task.FromResult(NodeResult.Success(merged));
    }
}
