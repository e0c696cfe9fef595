using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>One ranked tool: its BM25 score and the share of the query's informative terms it matched.</summary>
public sealed record ToolMatch(PlannerTool Tool, double Score, double Coverage, bool NameMatched);

/// <summary>
/// Ranks catalog tools for an action phrase with BM25 (k1 = 1.2, b = 0.75) over four weighted fields: the tool's name
/// (×3), title (×2), parameter names (×1.5) and description (×1), all tokenised, stemmed and mapped to canonical
/// synonyms by <see cref="PlanText"/>. Coverage is the idf-weighted share of the query's terms known to the catalog that
/// the tool matched: the planner accepts a tool only when the coverage is high and the name or title matched, so
/// "send an SMS" against a catalog without one is a problem, not a guess. Ties break by catalog order, so the ranking
/// is deterministic.
/// </summary>
public sealed class ToolRanker
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    private readonly List<Document> _documents;
    private readonly FrozenDictionary<string, double> _idf;
    private readonly double _averageLength;

    public ToolRanker(IReadOnlyList<PlannerTool> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _documents = [.. catalog.Select(Document.Of)];
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in _documents)
        {
            foreach (var term in doc.Weights.Keys)
            {
                df[term] = df.GetValueOrDefault(term) + 1;
            }
        }

        var n = Math.Max(1, _documents.Count);
        _idf = df.ToFrozenDictionary(p => p.Key, p => Math.Log(1 + ((n - p.Value + 0.5) / (p.Value + 0.5))), StringComparer.Ordinal);
        _averageLength = _documents.Count == 0 ? 1 : Math.Max(1, _documents.Average(d => d.Length));
    }

    /// <summary>Tools ranked best first for <paramref name="phrase"/>, optionally only those of <paramref name="server"/>; tools matching nothing are left out.</summary>
    public IReadOnlyList<ToolMatch> Rank(string phrase, string? server = null, int take = 5, IReadOnlySet<string>? preferredServers = null)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var query = PlanText.Terms(phrase).Distinct(StringComparer.Ordinal).ToList();
        var known = query.Where(_idf.ContainsKey).ToList();
        // Words no tool knows still count against coverage (at half the average idf): "email the stock report" is not get_stock.
        var unknownWeight = _idf.Count == 0 ? 1 : _idf.Values.Average() / 2;
        var totalIdf = known.Sum(t => _idf[t]) + ((query.Count - known.Count) * unknownWeight);
        var ranked = new List<(ToolMatch Match, int Order)>();
        for (var i = 0; i < _documents.Count; i++)
        {
            var doc = _documents[i];
            if (server is not null && !string.Equals(doc.Tool.Server, server, StringComparison.Ordinal))
            {
                continue;
            }

            double score = 0, matchedIdf = 0;
            var nameMatched = false;
            foreach (var term in known)
            {
                if (!doc.Weights.TryGetValue(term, out var tf))
                {
                    continue;
                }

                var idf = _idf[term];
                matchedIdf += idf;
                score += idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * doc.Length / _averageLength))));
                nameMatched |= doc.NameTerms.Contains(term);
            }

            if (doc.Deprecated)
            {
                score /= 2;
            }

            // The servers the plan already uses win near-ties: "list it again" after list_stock is the stock again.
            if (preferredServers?.Contains(doc.Tool.Server) == true)
            {
                score *= 1.15;
            }

            if (score > 0)
            {
                ranked.Add((new ToolMatch(doc.Tool, score, totalIdf == 0 ? 0 : matchedIdf / totalIdf, nameMatched), i));
            }
        }

        return [.. ranked.OrderByDescending(r => r.Match.Score).ThenBy(r => r.Order).Take(take).Select(r => r.Match)];
    }

    /// <summary>Whether any tool of the catalog knows <paramref name="term"/> (a canonical term).</summary>
    public bool Knows(string term) => _idf.ContainsKey(term);

    private sealed record Document(PlannerTool Tool, Dictionary<string, double> Weights, HashSet<string> NameTerms, double Length)
    {
        /// <summary>A tool its own server calls deprecated ranks below its replacement.</summary>
        public bool Deprecated { get; } = (Tool.Title ?? "").Contains("deprecated", StringComparison.OrdinalIgnoreCase)
            || (Tool.Description ?? "").StartsWith("deprecated", StringComparison.OrdinalIgnoreCase)
            || (Tool.Description ?? "").Contains("DEPRECATED", StringComparison.Ordinal);

        public static Document Of(PlannerTool tool)
        {
            var weights = new Dictionary<string, double>(StringComparer.Ordinal);
            var nameTerms = new HashSet<string>(StringComparer.Ordinal);
            void Add(string? text, double weight, bool isName)
            {
                if (text is null)
                {
                    return;
                }

                foreach (var term in PlanText.Terms(text))
                {
                    weights[term] = weights.GetValueOrDefault(term) + weight;
                    if (isName)
                    {
                        nameTerms.Add(term);
                    }
                }
            }

            Add(tool.Tool, 3, isName: true);
            Add(tool.Title, 2, isName: true);
            if (tool.InputSchema?["properties"] is JsonObject properties)
            {
                foreach (var (name, schema) in properties)
                {
                    Add(name, 1.5, isName: false);
                    Add(FirstSentence(schema?["description"] is JsonValue d && d.TryGetValue<string>(out var text) ? text : null), 0.5, isName: false);
                }
            }

            Add(FirstSentence(tool.Description), 1, isName: false);
            return new Document(tool, weights, nameTerms, weights.Values.Sum());
        }

        // Long descriptions (the filesystem server's) would drown the name; their first sentence says what the tool does.
        private static string? FirstSentence(string? description)
        {
            if (description is null)
            {
                return null;
            }

            var end = description.IndexOf(". ", StringComparison.Ordinal);
            return end < 0 ? description : description[..end];
        }
    }
}
