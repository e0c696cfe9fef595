using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>
/// The end-to-end workflow through the engine: list a directory with server-filesystem, then a
/// bounded loop reads each file and stores it as an entity in server-memory's knowledge graph.
/// </summary>
public sealed class FilesystemToMemoryWorkflowTests : IDisposable
{
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("controltower-fs-memory-");

    public void Dispose()
    {
        _factory.Dispose();
        _work.Delete(recursive: true);
    }

    /// <remarks>
    /// <c>files</c> turns the listing into file names; <c>read</c> and <c>store</c> handle the file at
    /// <c>node.iteration - 1</c>; <c>more</c> loops back to <c>read</c> (bounded) until every file is stored.
    /// </remarks>
    private static JsonObject FilesToMemoryGraph() => Graph(
        [
            Node("start", "trigger.manual"),
            Node("list", "mcp.tool", new() { ["server"] = "fs", ["tool"] = "list_directory", ["arguments"] = new JsonObject { ["path"] = "{{ input.dir }}" } }),
            Node("files", "transform", new()
            {
                ["expression"] = "nodes.list.output.content[0].text.split('\\n').filter(l, l.startsWith('[FILE] ')).map(l, l.substring(7))",
            }),
            Node("read", "mcp.tool", new()
            {
                ["server"] = "fs",
                ["tool"] = "read_text_file",
                ["arguments"] = new JsonObject { ["path"] = "{{ input.dir }}/{{ nodes.files.output[node.iteration - 1] }}" },
            }),
            Node("store", "mcp.tool", new()
            {
                ["server"] = "memory",
                ["tool"] = "create_entities",
                ["arguments"] = new JsonObject
                {
                    ["entities"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "{{ nodes.files.output[node.iteration - 1] }}",
                        ["entityType"] = "file",
                        ["observations"] = new JsonArray("{{ nodes.read.output.content[0].text }}"),
                    }),
                },
            }),
            Node("more", "condition", new() { ["expression"] = "node.iteration < size(nodes.files.output)" }),
            Node("graph", "mcp.tool", new() { ["server"] = "memory", ["tool"] = "read_graph" }),
            Node("reply", "respond", new() { ["body"] = "nodes.graph.output.structuredContent" }),
        ],
        [
            Edge("start", "list"),
            Edge("list", "files"),
            Edge("files", "read"),
            Edge("read", "store"),
            Edge("store", "more"),
            new JsonObject { ["source"] = "more", ["target"] = "read", ["sourceHandle"] = "true", ["loop"] = new JsonObject { ["maxIterations"] = 20 } },
            Edge("more", "graph", "false"),
            Edge("graph", "reply"),
        ]);

    [Fact]
    public async Task Run_WhenDirectoryHoldsFiles_MemoryGraphHoldsEachFilesContent()
    {
        var documents = _work.CreateSubdirectory("documents");
        var contents = new Dictionary<string, string>
        {
            ["refill-policy.txt"] = "Refills need a prescription younger than a year.",
            ["opening-hours.txt"] = "Open 8-18 on weekdays.",
            ["contacts.txt"] = "Pharmacist on call: ext. 4411.",
        };
        foreach (var (name, text) in contents)
        {
            await File.WriteAllTextAsync(Path.Combine(documents.FullName, name), text);
        }

        documents.CreateSubdirectory("archive");
        var memoryFile = Path.Combine(_work.FullName, "memory.jsonl");
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, new { id = "fs", name = "filesystem", transport = "stdio", command = "node", args = new[] { McpTestServers.Filesystem, documents.FullName } });
        await McpApi.RegisterAsync(admin, new
        {
            id = "memory",
            name = "memory",
            transport = "stdio",
            command = "node",
            args = new[] { McpTestServers.Memory },
            env = new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = memoryFile },
        });
        var workflow = await CreateWorkflowAsync(admin, FilesToMemoryGraph(), "files to memory");

        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["dir"] = documents.FullName }), "completed", "failed");

        Assert.True(run.Status() == "completed", run.ToJsonString());
        var entities = run["output"]!["body"]!["entities"]!.AsArray();
        Assert.Equal(contents.Keys.Order(), entities.Select(e => e!["name"]!.GetValue<string>()).Order());
        foreach (var entity in entities)
        {
            Assert.Equal("file", entity!["entityType"]!.GetValue<string>());
            Assert.Equal([contents[entity["name"]!.GetValue<string>()]], entity["observations"]!.AsArray().Select(o => o!.GetValue<string>()));
        }

        var stored = await File.ReadAllTextAsync(memoryFile);
        Assert.All(contents.Values, text => Assert.Contains(text, stored, StringComparison.Ordinal));
        var storeRuns = run["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == "store");
        Assert.Equal("succeeded", storeRuns!["status"]!.GetValue<string>());
    }
}
