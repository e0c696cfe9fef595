using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
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
/// <remarks>
/// Credentials: <c>config.credentialId</c>, or else, when the server definition names a <c>credentialType</c>,
/// the acting user's credential of that type bound to the server. It is decrypted for the run's acting user
/// (audited with run and node) and reaches the server only as env vars (stdio) or headers (HTTP), over a
/// connection of its own. A credential the user may not use is <c>credential.not_found</c>, not retryable.
/// A host without a vault (the executors composed alone) fails such nodes with <c>node.credentials_unsupported</c>.
/// </remarks>
internal sealed class McpToolExecutor(McpToolInvoker invoker, McpServerRegistry registry, CredentialVault? vault = null) : INodeExecutor
{
    public IReadOnlyCollection<string> NodeTypes { get; } = ["mcp.tool"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var server = context.Config.RequiredString("server");
        var tool = context.Config.RequiredString("tool");
        var arguments = NodeExpressions.Render("arguments", context.Config.OptionalObject("arguments") ?? [], context.Activation) as JsonObject
            ?? throw NodeFailureException.ConfigInvalid("config.arguments must be an object.");
        McpToolResult result;
        try
        {
            var call = await CallContextAsync(context, server, tool, cancellationToken).ConfigureAwait(false);
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

    private async Task<McpCallContext> CallContextAsync(NodeExecutionContext context, string server, string tool, CancellationToken cancellationToken)
    {
        var call = new McpCallContext { IdempotencyKey = context.IdempotencyKey, Progress = new ProgressForwarder(context.Progress) };
        if (await NodeCredentials.ForMcpServerAsync(context, vault, registry, server, cancellationToken).ConfigureAwait(false) is not { } credentialId)
        {
            return call;
        }

        var credentials = NodeCredentials.Require(vault, context.NodeType);
        var credential = await NodeCredentials.DescribeForServerAsync(credentials, registry.Get(server), context.ActingUserId, credentialId, cancellationToken).ConfigureAwait(false);
        return await NodeCredentials.WithMcpCredentialAsync(call, credentials, context.ActingUserId, credential,
            NodeCredentials.Purpose(context, $"mcp.tool calls {server}/{tool}"), cancellationToken).ConfigureAwait(false);
    }

    private static bool IsRetryable(string code) =>
        code is McpErrorCodes.TransportFailed or McpErrorCodes.Timeout or McpErrorCodes.CircuitOpen or McpErrorCodes.Overloaded
            or CredentialErrorCodes.OAuthTokenFailed;

    private sealed class ProgressForwarder(IProgress<NodeProgress> target) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => target.Report(new NodeProgress(value.Progress, value.Total, value.Message));
    }
}
