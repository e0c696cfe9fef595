using System.Text.Json.Nodes;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Fills the <c>mcp.tool</c> entry of <c>GET /api/node-types</c> from the live catalog so the dashboard can
/// render a form per tool. Its <c>configSchema</c> gains <c>"x-tools"</c>: one entry per tool of every enabled
/// server, <c>{ name: "server/tool", server, tool, title, description, inputSchema, outputSchema, annotations }</c>.
/// When a node's <c>config.server</c> and <c>config.tool</c> name an entry, that entry's <c>inputSchema</c> is the
/// schema of <c>config.arguments</c> (each string value may be a CEL template). Other node types are unchanged.
/// </summary>
internal static class McpNodeTypeSchema
{
    public const string NodeType = "mcp.tool";
    public const string ToolsKey = "x-tools";

    public static JsonArray WithTools(JsonArray nodeTypes, IReadOnlyList<McpToolInfo> tools)
    {
        ArgumentNullException.ThrowIfNull(nodeTypes);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var entry in nodeTypes.OfType<JsonObject>())
        {
            if (entry["type"]?.GetValue<string>() == NodeType && entry["configSchema"] is JsonObject schema)
            {
                schema[ToolsKey] = new JsonArray([.. tools.Select(t => (JsonNode?)McpEndpoints.ToolJson(t))]);
            }
        }

        return nodeTypes;
    }
}
