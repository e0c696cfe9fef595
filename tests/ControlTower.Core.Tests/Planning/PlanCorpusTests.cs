using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

/// <summary>
/// The corpus as data and the offline planner's quality floors on it (issue 16's targets). The floors hold for the whole
/// corpus and, separately, for the held-out and blind cases (written and first scored without looking at the planner).
/// </summary>
public sealed class PlanCorpusTests
{
    private static readonly Lazy<IReadOnlyList<PlanCorpusResult>> Results = new(() => PlanCorpus.Run(PlannerData.Corpus, PlannerData.Catalog, new OfflinePlanner().Plan));

    [Fact]
    public void Corpus_WhenLoaded_HasAtLeast150WellFormedCases()
    {
        var corpus = PlannerData.Corpus;

        Assert.True(corpus.Count >= 150, $"{corpus.Count} cases");
        Assert.Equal(corpus.Count, corpus.Select(c => c.Id).Distinct().Count());
        foreach (var c in corpus)
        {
            Assert.True(c.Expected.Problems.Count > 0 || c.Expected.Nodes.Count >= 2, c.Id);
            Assert.All(c.Expected.Edges, e => Assert.True(e.Source < c.Expected.Nodes.Count && e.Target < c.Expected.Nodes.Count, c.Id));
            Assert.All(c.Expected.Arguments.Keys, k => Assert.True(k < c.Expected.Nodes.Count, c.Id));
            Assert.True(c.Base is null || corpus.Any(b => b.Id == c.Base && b.Base is null), c.Id);
        }
    }

    [Fact]
    public void Corpus_WhenLoaded_CoversEveryCatalogAndEveryKindOfStep()
    {
        var kinds = PlannerData.Corpus.SelectMany(c => c.Expected.Nodes).ToHashSet();

        foreach (var kind in new[] { "trigger.manual", "trigger.webhook", "trigger.schedule", "trigger.mcp",
            "condition", "approval", "delay", "respond", "llm", "http.request", "transform", "subworkflow", "fail" })
        {
            Assert.Contains(kind, kinds);
        }

        foreach (var server in new[] { "pharmacy/", "filesystem/", "memory/", "everything/", "gov:pharmacy/" })
        {
            Assert.Contains(kinds, k => k.StartsWith(server, StringComparison.Ordinal));
        }

        Assert.Contains(PlannerData.Corpus, c => c.Expected.Edges.Any(e => e.IsLoop));
        Assert.Contains(PlannerData.Corpus, c => c.Base is not null);
        Assert.Contains(PlannerData.Corpus, c => c.Split == "heldout");
        Assert.Contains(PlannerData.Corpus, c => c.Split == "blind");
        Assert.Contains(PlannerData.Corpus, c => c.Expected.Nodes.Count >= 8);
    }

    [Fact]
    public void Catalog_WhenLoaded_HoldsTheFourServersTools()
    {
        var byServer = PlannerData.Catalog.GroupBy(t => t.Server).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(12, byServer["pharmacy"]);
        Assert.Equal(13, byServer["everything"]);
        Assert.Equal(14, byServer["filesystem"]);
        Assert.Equal(9, byServer["memory"]);
    }

    [Fact]
    public void OfflinePlanner_OnTheWholeCorpus_MeetsTheQualityFloors() => AssertFloors(PlanScoring.Total([.. Results.Value.Select(r => r.Score)]));

    [Fact]
    public void OfflinePlanner_OnTheHeldOutAndBlindCases_MeetsTheQualityFloors() =>
        AssertFloors(PlanScoring.Total([.. Results.Value.Where(r => r.Case.Split is "heldout" or "blind").Select(r => r.Score)]));

    [Fact]
    public void OfflinePlanner_OnTheCorpus_ReturnsOnlyGraphsThatPassTheSaveValidation()
    {
        foreach (var result in Results.Value.Where(r => r.Draft.Graph is not null))
        {
            Assert.Empty(StandardGraphValidation.Validate(result.Draft.Graph, GraphLimits.Default));
        }
    }

    private static void AssertFloors(PlanScoreboard total)
    {
        Assert.True(total.ValidRate == 1.0, total.ToString());
        Assert.True(total.NodeF1 >= 0.90, total.ToString());
        Assert.True(total.EdgeF1 >= 0.80, total.ToString());
        Assert.True(total.ExactRate >= 0.60, total.ToString());
        Assert.True(total.ArgumentAccuracy >= 0.80, total.ToString());
        Assert.True(total.RefusalAccuracy >= 0.80, total.ToString());
    }
}
