using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

public sealed class ToolRankerTests
{
    private static readonly ToolRanker Ranker = new(PlannerData.Catalog);

    [Theory]
    [InlineData("check the stock", "pharmacy/get_stock")]
    [InlineData("look up the inventory of a drug", "pharmacy/get_stock")]
    [InlineData("list the stock", "pharmacy/list_stock")]
    [InlineData("show everything in stock", "pharmacy/list_stock")]
    [InlineData("dispense the prescription", "pharmacy/dispense")]
    [InlineData("replenish the shelf", "pharmacy/restock")]
    [InlineData("write the report to a file", "filesystem/write_file")]
    [InlineData("create a folder", "filesystem/create_directory")]
    [InlineData("rename a file", "filesystem/move_file")]
    [InlineData("find files matching a pattern", "filesystem/search_files")]
    [InlineData("show the directory tree", "filesystem/directory_tree")]
    [InlineData("get the file info", "filesystem/get_file_info")]
    [InlineData("read the whole knowledge graph", "memory/read_graph")]
    [InlineData("search the nodes", "memory/search_nodes")]
    [InlineData("forget an entity", "memory/delete_entities")]
    [InlineData("create a relation between two people", "memory/create_relations")]
    [InlineData("echo a message", "everything/echo")]
    [InlineData("get the sum of two numbers", "everything/get-sum")]
    [InlineData("print the environment variables", "everything/get-env")]
    [InlineData("compress a file with gzip", "everything/gzip-file-as-resource")]
    public void Rank_WhenAPhraseDescribesATool_PutsItFirst(string phrase, string tool) =>
        Assert.Equal(tool, Ranker.Rank(phrase)[0].Tool.Name);

    [Fact]
    public void Rank_WhenAServerIsGiven_RanksOnlyItsTools() =>
        Assert.All(Ranker.Rank("delete it", "memory"), m => Assert.Equal("memory", m.Tool.Server));

    [Fact]
    public void Rank_WhenAToolIsDeprecated_ItsReplacementWins()
    {
        var ranked = Ranker.Rank("read text file");

        Assert.Equal("filesystem/read_text_file", ranked[0].Tool.Name);
        Assert.True(ranked.Select(m => m.Tool.Name).ToList().IndexOf("filesystem/read_file") is -1 or > 0);
    }

    [Theory]
    [InlineData("send an SMS to the patient")]
    [InlineData("email the pharmacist the stock report")]
    [InlineData("print the invoice on the office printer")]
    public void Rank_WhenNoToolDoesIt_CoverageStaysBelowTheBar(string phrase)
    {
        var best = Ranker.Rank(phrase).FirstOrDefault();

        Assert.True(best is null || best.Coverage < PlanGraphBuilder.MinCoverage, $"{best?.Tool.Name} covers {best?.Coverage}");
    }

    [Fact]
    public void Rank_WhenThePhraseMatchesTheName_CoverageIsFullAndTheNameMatched()
    {
        var best = Ranker.Rank("get stock")[0];

        Assert.Equal(1.0, best.Coverage, 3);
        Assert.True(best.NameMatched);
    }

    [Fact]
    public void Rank_WhenCalledTwice_GivesTheSameOrder() =>
        Assert.Equal(Ranker.Rank("list").Select(m => m.Tool.Name), new ToolRanker(PlannerData.Catalog).Rank("list").Select(m => m.Tool.Name));

    [Fact]
    public void Rank_WhenTheCatalogIsEmpty_FindsNothing() =>
        Assert.Empty(new ToolRanker([]).Rank("check the stock"));

    [Theory]
    [InlineData("dispensing", "dispense")]
    [InlineData("dispensed", "dispense")]
    [InlineData("entities", "entity")]
    [InlineData("files", "file")]
    [InlineData("created", "create")]
    [InlineData("approved", "approve")]
    [InlineData("running", "run")]
    [InlineData("folders", "directory")]
    [InlineData("check", "get")]
    public void Canonical_WhenAWordIsInflectedOrASynonym_MeetsTheCatalogsWord(string word, string canonical) =>
        Assert.Equal(canonical, PlanText.Canonical(word));

    [Fact]
    public void Words_WhenIdentifiersAreMixed_SplitsThem() =>
        Assert.Equal(["read", "text", "file", "get", "sum", "entity", "names"], PlanText.Words("read_text_file get-sum entityNames"));
}
