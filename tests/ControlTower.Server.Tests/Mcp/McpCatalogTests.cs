using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.Tests.Mcp;

public sealed class McpCatalogTests
{
    [Theory]
    [InlineData("everything/get-sum", true, "everything", "get-sum")]
    [InlineData("fs/nested/tool", true, "fs", "nested/tool")]
    [InlineData("/tool", false, "", "")]
    [InlineData("server/", false, "server", "")]
    [InlineData("plain", false, "", "")]
    public void TrySplitQualifiedName_WhenGivenAddress_SplitsAtFirstSlash(string address, bool ok, string server, string tool)
    {
        Assert.Equal(ok, McpCatalog.TrySplitQualifiedName(address, out var serverId, out var toolName));
        Assert.Equal(server, serverId);
        Assert.Equal(tool, toolName);
    }

    [Fact]
    public async Task RefreshAsync_WhenContentUnchanged_KeepsVersionAndHash()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));
        var connection = await harness.Pool.GetAsync("everything", null, CancellationToken.None);
        // server-everything registers more tools after initialize and sends tools/list_changed: wait for the refresh.
        await McpConnectionPoolTests.WaitUntilAsync(() => harness.Catalog.Get("everything")?.FindTool("simulate-research-query") is not null);
        var before = harness.Catalog.Get("everything")!;

        var again = await harness.Catalog.RefreshAsync("everything", connection.Client, CancellationToken.None);

        Assert.Equal(before.Version, again.Version);
        Assert.Equal(before.Hash, again.Hash);
        Assert.Equal(13, again.Tools.Count);
    }

    [Fact]
    public void Percentile_WhenGivenSortedDurations_UsesNearestRank()
    {
        double[] sorted = [.. Enumerable.Range(1, 100).Select(i => (double)i)];

        Assert.Equal(50, McpHealthTracker.Percentile(sorted, 0.50));
        Assert.Equal(99, McpHealthTracker.Percentile(sorted, 0.99));
        Assert.Equal(7, McpHealthTracker.Percentile([7], 0.99));
        Assert.Null(McpHealthTracker.Percentile([], 0.5));
    }

    [Fact]
    public void Add_WhenDefinitionInvalidOrDuplicate_ThrowsTypedErrors()
    {
        var registry = new McpServerRegistry();
        var valid = McpHarness.Stdio("ok", "server.js");
        registry.Add(valid);

        var duplicate = Assert.Throws<ControlTowerException>(() => registry.Add(valid));
        var invalid = Assert.Throws<ControlTowerException>(() => registry.Add(valid with { Id = "Bad/Id", Command = null }));
        var http = Assert.Throws<ControlTowerException>(() => registry.Add(McpHarness.Http("web", new Uri("file:///x"))));

        Assert.Equal(McpErrorCodes.ServerExists, duplicate.Code);
        Assert.Equal(McpErrorCodes.DefinitionInvalid, invalid.Code);
        Assert.Equal(2, ((List<string>)invalid.Details["problems"]!).Count);
        Assert.Equal(McpErrorCodes.DefinitionInvalid, http.Code);
        Assert.Equal(["ok"], registry.List().Select(d => d.Id));
    }
}
