using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.McpHost;

/// <summary>
/// A workflow published as a tool of Control Tower's MCP server: its latest version has a <c>trigger.mcp</c>
/// node whose config gives <c>toolName</c>, <c>description</c> and <c>inputSchema</c> (the tool's input schema,
/// and what the run input must satisfy; default <c>{"type":"object"}</c>).
/// </summary>
internal sealed record PublishedTool(Guid WorkflowId, int Version, string WorkflowName, string TriggerNodeId, string ToolName, string? Description, JsonObject InputSchema, int NodeCount);

/// <summary>
/// The published workflows: enabled workflows whose live version (the release's stable version, else the latest) has a
/// <c>trigger.mcp</c> node; a call's run pins the version the release chooses. When two
/// workflows claim one tool name, the one created first keeps it (the other is not listed).
/// </summary>
internal sealed class PublishedWorkflows(IDbContextFactory<ControlTowerDbContext> contexts, WorkflowDefinitions definitions)
{
    public const string TriggerType = "trigger.mcp";

    public async Task<IReadOnlyList<PublishedTool>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflows = await db.Set<WorkflowEntity>().AsNoTracking()
            .Where(w => w.Enabled && w.LatestVersion > 0)
            .OrderBy(w => w.CreatedAt).ThenBy(w => w.Id)
            .Select(w => new { w.Id, w.LatestVersion })
            .ToListAsync(cancellationToken);
        var stable = await Releases.ReleaseRouter.StableVersionsAsync(db, cancellationToken);
        var tools = new List<PublishedTool>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workflow in workflows)
        {
            var live = stable.GetValueOrDefault(workflow.Id, workflow.LatestVersion);
            var definition = await definitions.GetAsync(workflow.Id, live, cancellationToken);
            foreach (var node in definition.Graph.Nodes.Where(n => n.Type == TriggerType))
            {
                var toolName = node.Config["toolName"]?.GetValue<string>();
                if (toolName is null || toolName.StartsWith(ControlTowerMcpServer.ReservedPrefix, StringComparison.Ordinal) || !names.Add(toolName))
                {
                    continue;
                }

                tools.Add(new PublishedTool(
                    workflow.Id,
                    live,
                    definition.Name,
                    node.Id,
                    toolName,
                    node.Config["description"]?.GetValue<string>(),
                    node.Config["inputSchema"] is JsonObject schema ? (JsonObject)schema.DeepClone() : new JsonObject { ["type"] = "object" },
                    definition.Graph.Nodes.Count));
            }
        }

        return tools;
    }

    public async Task<PublishedTool?> FindAsync(string toolName, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(t => string.Equals(t.ToolName, toolName, StringComparison.Ordinal));
}
