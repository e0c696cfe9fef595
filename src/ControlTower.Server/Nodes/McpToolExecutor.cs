using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.Nodes;

/// <summary>
/// <c>mcp.tool</c>: calls <c>config.tool</c> of the registered MCP server <c>config.server</c> with
/// <c>config.arguments</c> rendered as templates, passing the idempotency key (in <c>_meta</c>) and
/// forwarding progress. Output: <c>{ content, structuredContent, isError: false }</c> as the server sent it.
/// A tool that reports <c>isError</c> fails with <c>mcp.tool_error</c> (not retryable: the tool ran and
/// said no), which the scheduler routes to the <c>error</c> handle. Failures of the call keep the federation's
/// codes; transport failures, timeouts, an open circuit and overload are retryable, the rest are not.
/// </summary>
internal sealed class McpToolExecutor(McpToolInvoker invoker) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["mcp.tool"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var server = context.Config.RequiredString("server");
        var tool = context.Config.RequiredString("tool");
        if (context.Config.OptionalString("credentialId") is not null)
        {
            throw new NodeFailureException(NodeErrorCodes.CredentialsUnsupported, "mcp.tool cannot use config.credentialId yet: credentials are not wired into node executors.");
        }

        var arguments = NodeExpressions.Render("arguments", context.Config.OptionalObject("arguments") ?? [], context.Activation) as JsonObject
            ?? throw NodeFailureException.ConfigInvalid("config.arguments must be an object.");
        var call = new McpCallContext { IdempotencyKey = context.IdempotencyKey, Progress = new ProgressForwarder(context.Progress) };
        McpToolResult result;
        try
        {
            result = await invoker.CallAsync(server, tool, arguments, call, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlTowerException ex) when (ex is not NodeFailureException)
        {
            return new NodeResult.Failed(ex.Code, ex.Message, IsRetryable(ex.Code));
        }

        return result.IsError
            ? new NodeResult.Failed(NodeErrorCodes.McpToolError, result.ErrorMessage ?? $"Tool '{server}/{tool}' reported an error.", Retryable: false)
            : NodeResult.Success(result.Output);
    }

    private static bool IsRetryable(string code) =>
        code is McpErrorCodes.TransportFailed or McpErrorCodes.Timeout or McpErrorCodes.CircuitOpen or McpErrorCodes.Overloaded;

    private sealed class ProgressForwarder(IProgress<NodeProgress> target) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => target.Report(new NodeProgress(value.Progress, value.Total, value.Message));
    }
}
