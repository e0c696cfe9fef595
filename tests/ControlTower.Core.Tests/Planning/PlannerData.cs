using System.Text.Json.Nodes;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

/// <summary>The real tool catalogs (captured from the servers) and the hand-written corpus under Planning/Data.</summary>
internal static class PlannerData
{
    private static readonly Lazy<IReadOnlyList<PlannerTool>> LazyCatalog = new(() =>
        [.. Load("pharmacy-catalog.json"), .. Load("reference-catalog.json")]);

    private static readonly Lazy<IReadOnlyList<PlanCorpusCase>> LazyCorpus = new(() =>
        PlanCorpus.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Planning", "Data", "corpus.jsonl"))));

    /// <summary>The pharmacy, everything, filesystem and memory servers' tools (40).</summary>
    public static IReadOnlyList<PlannerTool> Catalog => LazyCatalog.Value;

    public static IReadOnlyList<PlanCorpusCase> Corpus => LazyCorpus.Value;

    public static PlanDraft Plan(string prompt, JsonObject? baseGraph = null) => new OfflinePlanner().Plan(new PlanRequest(prompt, Catalog, baseGraph));

    private static IReadOnlyList<PlannerTool> Load(string file) =>
        PlannerCatalogJson.Parse(JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Planning", "Data", file))));
}
