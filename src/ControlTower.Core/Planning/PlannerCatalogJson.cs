using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>Reads a tool catalog in the shape of <c>GET /api/mcp/tools</c> (<c>{ "tools": [...] }</c>, or the bare array).</summary>
public static class PlannerCatalogJson
{
    public static IReadOnlyList<PlannerTool> Parse(JsonNode? document)
    {
        var tools = document switch
        {
            JsonObject obj when obj["tools"] is JsonArray array => array,
            JsonArray array => array,
            _ => throw new FormatException("A tool catalog is { \"tools\": [...] } or an array of tools."),
        };
        var catalog = new List<PlannerTool>();
        foreach (var item in tools.OfType<JsonObject>())
        {
            var server = (string?)item["server"];
            var tool = (string?)item["tool"];
            if (server is null || tool is null)
            {
                throw new FormatException("Every tool of a catalog needs 'server' and 'tool'.");
            }

            catalog.Add(new PlannerTool(server, tool, (string?)item["title"], (string?)item["description"],
                item["inputSchema"]?.DeepClone() as JsonObject, item["outputSchema"]?.DeepClone() as JsonObject));
        }

        return catalog;
    }
}
