using System.Text.Json.Nodes;
using ControlTower.Core.Planning;
using ControlTower.Server.Planning;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Nodes;
using static ControlTower.Server.Tests.Llm.ChatCompletions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Planning;

/// <summary><c>controltower plan</c> as a real process, over a catalog file of the shape of <c>GET /api/mcp/tools</c>.</summary>
public sealed class PlanCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("controltower-plan-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Write(string name, JsonNode content)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, content.ToJsonString());
        return path;
    }

    /// <summary>Two tools of server-memory as <c>GET /api/mcp/tools</c> lists them.</summary>
    internal static JsonObject MemoryCatalog() => new()
    {
        ["tools"] = new JsonArray(
            new JsonObject
            {
                ["name"] = "memory/read_graph",
                ["server"] = "memory",
                ["tool"] = "read_graph",
                ["title"] = null,
                ["description"] = "Read the entire knowledge graph",
                ["inputSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() },
            },
            new JsonObject
            {
                ["name"] = "memory/search_nodes",
                ["server"] = "memory",
                ["tool"] = "search_nodes",
                ["title"] = null,
                ["description"] = "Search for nodes in the knowledge graph based on a query",
                ["inputSchema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("query"),
                    ["properties"] = new JsonObject { ["query"] = new JsonObject { ["type"] = "string", ["description"] = "The search query" } },
                },
            }),
        ["problems"] = new JsonArray(),
    };

    private Task<ProcessResult> PlanAsync(IEnumerable<string> arguments, Dictionary<string, string?>? environment = null) =>
        ControlTowerProcess.RunAsync(["plan", .. arguments], new Dictionary<string, string?>(environment ?? [])
        {
            ["ENVIRONMENT"] = "development",
            ["DATA_DIR"] = _folder.FullName,
            ["DATABASE_URL"] = $"sqlite:{Path.Combine(_folder.FullName, "plan.db")}",
        }, TimeSpan.FromSeconds(90));

    [Fact]
    public async Task Plan_WhenTheLlmAnswers_PrintsTheGraphChecksItAgainstTheCatalogFileAndWritesOut()
    {
        await using var provider = await LocalHttpServer.StartAsync();
        var wrongTool = Graph([Node("start", "trigger.manual"), Node("find", "mcp.tool", new() { ["server"] = "memory", ["tool"] = "find_nodes" })], [Edge("start", "find")]);
        var rightTool = Graph(
            [Node("start", "trigger.manual"),
                Node("find", "mcp.tool", new() { ["server"] = "memory", ["tool"] = "search_nodes", ["arguments"] = new JsonObject { ["query"] = "{{ input.patient }}" } })],
            [Edge("start", "find")]);
        provider.Script.Enqueue(Completion(LlmPlannerTests.Answer(wrongTool)));
        provider.Script.Enqueue(Completion(LlmPlannerTests.Answer(rightTool, explainNode: "find")));
        var catalog = Write("tools.json", MemoryCatalog());
        var output = Path.Combine(_folder.FullName, "wf.json");

        var result = await PlanAsync(["Look the patient up in memory", "--catalog", catalog, "--out", output],
            new() { ["LLM_BASE_URL"] = provider.Url("/scripted/v1"), ["PLANNER_MODEL"] = Model });

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var printed = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal("search_nodes", printed["nodes"]![1]!["config"]!["tool"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(printed, JsonNode.Parse(File.ReadAllText(output))));
        Assert.Contains("planner: llm", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("closest: search_nodes", Body(provider.Requests.Last())["messages"]![3]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WhenCatalogFileIsNotTheToolsShape_Exits2WithTheCode()
    {
        var catalog = Write("tools.json", new JsonObject { ["servers"] = new JsonArray("memory") });

        var result = await PlanAsync(["Read the memory graph", "--catalog", catalog]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(PlannerErrorCodes.CatalogInvalid, result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Plan_WhenPromptIsBlank_Exits2PromptEmpty()
    {
        var result = await PlanAsync(["   ", "--catalog", Write("tools.json", MemoryCatalog())]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(PlanProblemCodes.PromptEmpty, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WhenNoLlmIsConfigured_PrintsTheOfflineDraftWithItsAssumptions()
    {
        var catalog = Write("tools.json", MemoryCatalog());

        var result = await PlanAsync(["Search the memory for the patient, then reply with the result.", "--catalog", catalog]);

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var graph = JsonNode.Parse(result.StandardOutput)!;
        Assert.Contains(graph["nodes"]!.AsArray(), n => n!["config"]!["tool"]?.GetValue<string>() == "search_nodes");
        Assert.Contains("planner: offline", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("assumption: 'query' comes from the run input", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WhenNoToolDoesTheAction_Exits1WithTheProblemAndPrintsNoGraph()
    {
        var result = await PlanAsync(["Send an SMS to the patient.", "--catalog", Write("tools.json", MemoryCatalog())]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(PlanProblemCodes.ToolUnknown, result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput.Trim());
    }
}
