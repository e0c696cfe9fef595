using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Core.Planning;

namespace ControlTower.Server.Planning;

/// <summary>
/// Picks the MCP tools relevant to a request, so the LLM planner's prompt carries a few dozen tools even when the catalog
/// has hundreds: a lexical score (inverse document frequency of the request's words found in a tool's server, name,
/// title, description and parameter names; name and parameter matches count double). Ties and the no-match tail keep
/// catalog order, so the same request over the same catalog always picks the same tools.
/// </summary>
internal static class ToolRetrieval
{
    public static IReadOnlyList<PlannerTool> Relevant(string request, IReadOnlyList<PlannerTool> catalog, int limit)
    {
        if (catalog.Count <= limit)
        {
            return catalog;
        }

        var documents = catalog.Select(Document).ToArray();
        var query = Words(request).ToHashSet(StringComparer.Ordinal);
        var frequency = query.ToDictionary(w => w, w => documents.Count(d => d.All.Contains(w)), StringComparer.Ordinal);
        return [.. catalog
            .Select((tool, i) => (Tool: tool, Index: i, Score: Score(query, frequency, documents[i], catalog.Count)))
            .OrderByDescending(t => t.Score)
            .ThenBy(t => t.Index)
            .Take(limit)
            .Select(t => t.Tool)];
    }

    private static double Score(HashSet<string> query, Dictionary<string, int> frequency, (HashSet<string> Strong, HashSet<string> All) document, int total)
    {
        var score = 0.0;
        foreach (var word in query)
        {
            if (document.All.Contains(word))
            {
                var idf = Math.Log((total + 1.0) / (frequency[word] + 0.5));
                score += document.Strong.Contains(word) ? 2 * idf : idf;
            }
        }

        return score;
    }

    private static (HashSet<string> Strong, HashSet<string> All) Document(PlannerTool tool)
    {
        var parameters = tool.InputSchema?["properties"] as JsonObject;
        var strong = Words($"{tool.Server} {tool.Tool} {tool.Title} {string.Join(' ', parameters?.Select(p => p.Key) ?? [])}").ToHashSet(StringComparer.Ordinal);
        var all = new HashSet<string>(strong, StringComparer.Ordinal);
        all.UnionWith(Words(tool.Description ?? ""));
        foreach (var parameter in parameters ?? [])
        {
            all.UnionWith(Words((parameter.Value as JsonObject)?["description"]?.ToString() ?? ""));
        }

        return (strong, all);
    }

    /// <summary>Lower-case words of two letters or more, split at non-letters and camelCase humps, a plural "s" dropped.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        char previous = ' ';
        foreach (var c in text + " ")
        {
            var boundary = !char.IsLetterOrDigit(c) || (char.IsUpper(c) && char.IsLower(previous));
            if (boundary && word.Length > 0)
            {
                if (word.Length >= 2)
                {
                    yield return Stem(word.ToString());
                }

                word.Clear();
            }

            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }

            previous = c;
        }
    }

    private static string Stem(string word) =>
        word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;
}
