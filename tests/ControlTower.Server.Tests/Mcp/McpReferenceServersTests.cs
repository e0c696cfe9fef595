using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Mcp;

public sealed class McpReferenceServersTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-mcp-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task CallAsync_WhenFilesystemServerListsAndReadsTempFolder_ReturnsEntriesAndText()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "a.txt"), "alpha");
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "b.txt"), "bravo");
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("fs", McpTestServers.Filesystem, [_folder.FullName]));

        var listing = await harness.Invoker.CallAsync("fs", "list_directory", new JsonObject { ["path"] = _folder.FullName }, McpCallContext.None, CancellationToken.None);
        var read = await harness.Invoker.CallAsync("fs", "read_text_file", new JsonObject { ["path"] = Path.Combine(_folder.FullName, "b.txt") }, McpCallContext.None, CancellationToken.None);

        var text = listing.Output["content"]![0]!["text"]!.GetValue<string>();
        Assert.Contains("[FILE] a.txt", text, StringComparison.Ordinal);
        Assert.Contains("[FILE] b.txt", text, StringComparison.Ordinal);
        Assert.Equal("bravo", read.Output["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallAsync_WhenMemoryServerCreatesEntities_ReadGraphReturnsThem()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("memory", McpTestServers.Memory,
            environment: new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = Path.Combine(_folder.FullName, "memory.jsonl") }));
        var entities = new JsonArray(
            new JsonObject { ["name"] = "a.txt", ["entityType"] = "file", ["observations"] = new JsonArray("alpha") },
            new JsonObject { ["name"] = "b.txt", ["entityType"] = "file", ["observations"] = new JsonArray("bravo") });

        await harness.Invoker.CallAsync("memory", "create_entities", new JsonObject { ["entities"] = entities }, McpCallContext.None, CancellationToken.None);
        var graph = await harness.Invoker.CallAsync("memory", "read_graph", [], McpCallContext.None, CancellationToken.None);

        var names = graph.Output["structuredContent"]!["entities"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).Order();
        Assert.Equal(["a.txt", "b.txt"], names);
    }

    [Fact]
    public async Task CallAsync_WhenMemoryEntityMissesRequiredField_RejectedByItsSchema()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("memory", McpTestServers.Memory,
            environment: new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = Path.Combine(_folder.FullName, "memory.jsonl") }));

        var error = await Assert.ThrowsAsync<Core.Errors.ControlTowerException>(() => harness.Invoker.CallAsync("memory", "create_entities",
            new JsonObject { ["entities"] = new JsonArray(new JsonObject { ["name"] = "x", ["observations"] = new JsonArray() }) },
            McpCallContext.None, CancellationToken.None));

        Assert.Equal(McpErrorCodes.ArgumentsInvalid, error.Code);
        Assert.Contains("/entities/0/entityType", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "memory.jsonl")));
    }

    [Fact]
    public async Task AddMcpFederation_WhenResolved_InvokerCallsRegisteredServer()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mcp:IdleTimeout"] = "00:01:00" }).Build())
            .AddMcpFederation();
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<McpServerRegistry>().Add(McpHarness.Stdio("everything", McpTestServers.Everything));

        var result = await provider.GetRequiredService<McpToolInvoker>().CallAsync("everything", "echo", new JsonObject { ["message"] = "di" }, McpCallContext.None, CancellationToken.None);

        Assert.Equal("Echo: di", result.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromMinutes(1), provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<McpFederationOptions>>().Value.IdleTimeout);
    }
}
