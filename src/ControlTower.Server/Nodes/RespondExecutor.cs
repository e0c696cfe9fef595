using System.Text.Json.Nodes;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>respond</c>: sets the run's output and the webhook reply. Output
/// <c>{ "status": config.status (default 200), "headers": { name: rendered template }, "body": value of config.body (CEL) or null }</c>;
/// the scheduler makes the last successful respond node's output the run output, and the webhook
/// endpoint (mode <c>respond_node</c>) answers with this status, these headers and this body as JSON.
/// </summary>
internal sealed class RespondExecutor(NodeExpressions expressions) : INodeExecutor
{
    public const int DefaultStatus = 200;

    public IReadOnlyCollection<string> NodeTypes { get; } = ["respond"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() => Execute(context)));

    private NodeResult Execute(NodeExecutionContext context)
    {
        var status = context.Config.OptionalInt("status") ?? DefaultStatus;
        if (status is < 100 or > 599)
        {
            throw NodeFailureException.ConfigInvalid("config.status must be an HTTP status from 100 to 599.");
        }

        var headers = new JsonObject();
        foreach (var (name, template) in context.Config.OptionalObject("headers") ?? [])
        {
            var text = template is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw NodeFailureException.ConfigInvalid($"config.headers.{name} must be a string.");
            headers[name] = NodeExpressions.RenderText($"headers.{name}", text, context.Activation);
        }

        var body = context.Config.OptionalString("body") is { } expression ? expressions.Evaluate("body", expression, context.Activation) : null;
        return NodeResult.Success(new JsonObject { ["status"] = status, ["headers"] = headers, ["body"] = body });
    }
}
