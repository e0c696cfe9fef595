using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>
/// One request of the planner corpus with its hand-written expectation. <see cref="Base"/> names another case whose
/// request, planned first, is the graph this one refines. <see cref="Split"/> is <c>dev</c> (the planner was tuned
/// while looking at it) or <c>heldout</c> (written and scored without tuning on it).
/// </summary>
public sealed record PlanCorpusCase(string Id, string Prompt, string? Base, string Split, PlanExpectation Expected);

/// <summary>A case, the draft the planner made for it, and its score.</summary>
public sealed record PlanCorpusResult(PlanCorpusCase Case, PlanDraft Draft, PlanCaseScore Score);

/// <summary>The planner corpus (JSON Lines, one case per line; see <see cref="PlanExpectation.FromJson"/>) and how to run a planner over it.</summary>
public static class PlanCorpus
{
    public static IReadOnlyList<PlanCorpusCase> Parse(string jsonLines)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var cases = new List<PlanCorpusCase>();
        foreach (var line in jsonLines.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var json = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("Every corpus line is a JSON object.");
            cases.Add(new PlanCorpusCase(
                (string?)json["id"] ?? throw new FormatException("A corpus case needs an id."),
                (string?)json["prompt"] ?? "",
                (string?)json["base"],
                (string?)json["split"] ?? "dev",
                PlanExpectation.FromJson(json)));
        }

        return cases;
    }

    /// <summary>Plans every case with <paramref name="plan"/> against <paramref name="catalog"/>, a refinement on the draft of its base case.</summary>
    public static IReadOnlyList<PlanCorpusResult> Run(IReadOnlyList<PlanCorpusCase> cases, IReadOnlyList<PlannerTool> catalog, Func<PlanRequest, PlanDraft> plan)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(plan);
        var byId = cases.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var results = new List<PlanCorpusResult>();
        foreach (var c in cases)
        {
            var draft = plan(Request(c, byId, catalog, plan));
            results.Add(new PlanCorpusResult(c, draft, PlanScoring.Score(c.Expected, draft)));
        }

        return results;
    }

    /// <summary>The request of a case; for a refinement, with its base case's draft as the graph to refine.</summary>
    public static PlanRequest Request(PlanCorpusCase c, IReadOnlyDictionary<string, PlanCorpusCase> byId, IReadOnlyList<PlannerTool> catalog, Func<PlanRequest, PlanDraft> plan)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(byId);
        ArgumentNullException.ThrowIfNull(plan);
        JsonObject? baseGraph = null;
        if (c.Base is { } baseId)
        {
            baseGraph = plan(new PlanRequest(byId[baseId].Prompt, catalog, null)).Graph;
        }

        return new PlanRequest(c.Prompt, catalog, baseGraph);
    }
}
