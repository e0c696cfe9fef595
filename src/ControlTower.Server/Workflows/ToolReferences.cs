using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Json;

namespace ControlTower.Server.Workflows;

/// <summary>
/// What a check knows about MCP servers: the tools of each server whose catalog is loaded, and the servers known
/// without one yet (registered, not connected).
/// </summary>
internal sealed record ToolCatalogView(IReadOnlyDictionary<string, IReadOnlySet<string>> LoadedTools, IReadOnlySet<string> ServersWithoutCatalog)
{
    public static ToolCatalogView Of(IEnumerable<(string Server, string Tool)> tools, IEnumerable<string> serversWithoutCatalog)
    {
        var loaded = tools.GroupBy(t => t.Server, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(t => t.Tool).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        return new ToolCatalogView(loaded, serversWithoutCatalog.Where(s => !loaded.ContainsKey(s)).ToHashSet(StringComparer.Ordinal));
    }
}

/// <summary>
/// Checks that every <c>mcp.tool</c> and <c>governed.action</c> (with its <c>readState</c> and <c>compensation</c> tools)
/// names a server and a tool the catalog has. An unknown server or tool is an error naming the closest matches; a server
/// whose catalog is not loaded yet is a warning, since nothing can be said about its tools.
/// </summary>
internal static class ToolReferences
{
    private const int Suggestions = 3;

    public static (IReadOnlyList<GraphProblem> Errors, IReadOnlyList<GraphProblem> Warnings) Check(WorkflowGraph graph, ToolCatalogView catalog)
    {
        var errors = new List<GraphProblem>();
        var warnings = new List<GraphProblem>();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Type is not ("mcp.tool" or "governed.action") || Text(node.Config["server"]) is not { } server)
            {
                continue;
            }

            var pointer = $"/nodes/{i}/config";
            if (catalog.ServersWithoutCatalog.Contains(server))
            {
                warnings.Add(new GraphProblem(WorkflowErrorCodes.McpCatalogNotLoaded, $"{pointer}/server",
                    $"Node '{node.Id}': the catalog of MCP server '{server}' is not loaded yet, so its tools could not be checked."));
                continue;
            }

            if (!catalog.LoadedTools.TryGetValue(server, out var tools))
            {
                errors.Add(new GraphProblem(WorkflowErrorCodes.McpServerUnknown, $"{pointer}/server",
                    $"Node '{node.Id}': no MCP server '{server}' is registered{Closest(server, catalog.LoadedTools.Keys.Concat(catalog.ServersWithoutCatalog))}."));
                continue;
            }

            foreach (var (field, tool) in ToolsOf(node.Config))
            {
                if (!tools.Contains(tool))
                {
                    errors.Add(new GraphProblem(WorkflowErrorCodes.McpToolUnknown, $"{pointer}/{field}",
                        $"Node '{node.Id}': MCP server '{server}' has no tool '{tool}'{Closest(tool, tools)}."));
                }
            }
        }

        return (errors, warnings);
    }

    /// <summary>Up to three known names nearest to <paramref name="name"/> by edit distance, as "; closest: a, b".</summary>
    public static string Closest(string name, IEnumerable<string> known)
    {
        var nearest = known.Distinct(StringComparer.Ordinal)
            .Select(k => (Name: k, Distance: Distance(name.ToLowerInvariant(), k.ToLowerInvariant())))
            .OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal)
            .Take(Suggestions)
            .Select(k => k.Name)
            .ToArray();
        return nearest.Length == 0 ? "" : $"; closest: {string.Join(", ", nearest)}";
    }

    private static IEnumerable<(string Field, string Tool)> ToolsOf(JsonObject config)
    {
        if (Text(config["tool"]) is { } tool)
        {
            yield return ("tool", tool);
        }

        foreach (var nested in new[] { "readState", "compensation" })
        {
            if (Text((config[nested] as JsonObject)?["tool"]) is { } other)
            {
                yield return ($"{nested}/tool", other);
            }
        }
    }

    private static string? Text(JsonNode? node) => JsonValues.Text(node) is { Length: > 0 } text ? text : null;

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
