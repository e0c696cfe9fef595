namespace ControlTower.Server.Nodes;

/// <summary><c>fail</c>: fails (never retryable) with <c>config.code</c> and <c>config.message</c> rendered as a template; catchable through its <c>error</c> handle.</summary>
internal sealed class FailExecutor : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["fail"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(NodeFailures.Guard(() =>
        {
            var code = context.Config.RequiredString("code");
            var message = NodeExpressions.RenderText("message", context.Config.RequiredString("message"), context.Activation);
            return new NodeResult.Failed(code, message, Retryable: false);
        }));
}
