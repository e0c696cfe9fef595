using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>
/// The credential a governed execution's compensation runs with: the one its action ran with, picked by the same rule
/// (the node's <c>credentialId</c> in the run's workflow version, else the run's acting user's credential bound to the
/// server) and resolved again for the run's acting user, so an operator rolling back needs no access to the secret.
/// The decrypt is audited <c>credential.used</c> for the execution's run and node, with the rollback as the reason.
/// </summary>
internal sealed class ExecutionCredentials(IDbContextFactory<ControlTowerDbContext> contexts, McpServerRegistry servers, CredentialVault vault)
{
    /// <summary>The connection for the compensation call of <paramref name="execution"/>; <see cref="McpCallContext.None"/> when it needs no credential.</summary>
    public async Task<McpCallContext> ForCompensationAsync(ExecutionEntity execution, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking()
            .Where(r => r.Id == execution.RunId)
            .Select(r => new { r.StartedBy, r.WorkflowVersion })
            .SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return McpCallContext.None;
        }

        var graph = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .Where(v => v.WorkflowId == execution.WorkflowId && v.Version == run.WorkflowVersion)
            .Select(v => v.Graph)
            .SingleOrDefaultAsync(cancellationToken);
        var configured = ConfiguredCredential(graph, execution.NodeId);
        var credentialId = configured is not null
            ? Guid.TryParse(configured, out var id) ? id : (Guid?)null
            : servers.Get(execution.ServerId)?.CredentialType is { } type
                ? await vault.FindForServerAsync(run.StartedBy, execution.ServerId, type, cancellationToken)
                : null;
        if (credentialId is not { } resolved)
        {
            return McpCallContext.None;
        }

        var purpose = new CredentialUsePurpose(execution.RunId.ToString(), execution.NodeId,
            $"rollback of governed execution {execution.Id} ({execution.ServerId}/{execution.CompensationTool}) requested by {actor}");
        var credential = await Nodes.NodeCredentials.DescribeForServerAsync(vault, servers.Get(execution.ServerId), run.StartedBy, resolved, cancellationToken);
        return await Nodes.NodeCredentials.WithMcpCredentialAsync(McpCallContext.None, vault, run.StartedBy, credential, purpose, cancellationToken);
    }

    private static string? ConfiguredCredential(string? graph, string nodeId)
    {
        var nodes = graph is null ? null : JsonNode.Parse(graph)?["nodes"] as JsonArray;
        var node = nodes?.OfType<JsonObject>().FirstOrDefault(n => n["id"]?.GetValue<string>() == nodeId);
        return node?["config"]?["credentialId"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
    }
}
