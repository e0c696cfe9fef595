using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Pharmacy;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>
/// The planner corpus scores drafts against a snapshot of the pharmacy server's catalog
/// (tests/ControlTower.Core.Tests/Planning/Data/pharmacy-catalog.json); this keeps the snapshot what the server lists.
/// </summary>
public sealed class PharmacyCatalogSnapshotTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-pharmacy-catalog-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ListTools_WhenComparedWithThePlannerCatalogSnapshot_ListsTheSameTools()
    {
        var server = new PharmacyMcpServer(new PharmacyInventory(Path.Combine(_folder.FullName, "inventory.json"), TimeProvider.System));

        var listed = await server.Options().Handlers.ListToolsHandler!(null!, CancellationToken.None);

        var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(),
            "tests", "ControlTower.Core.Tests", "Planning", "Data", "pharmacy-catalog.json")))!["tools"]!.AsArray();
        Assert.Equal(listed.Tools.Select(t => t.Name), snapshot.Select(t => (string?)t!["tool"]));
        foreach (var tool in listed.Tools)
        {
            var snapshotTool = snapshot.Single(t => (string?)t!["tool"] == tool.Name)!;
            Assert.Equal(tool.Description, (string?)snapshotTool["description"]);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(JsonSerializer.Serialize(tool.InputSchema)), snapshotTool["inputSchema"]), tool.Name);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("ControlTower.slnx not found above the test binaries.");
    }
}
