using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Core.Planning;
using ControlTower.Server.Planning;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using ControlTower.Server.Workflows;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Planning;

/// <summary><c>POST /api/planner/drafts</c> with the offline planner (no LLM configured) and the tool checks every save runs.</summary>
public sealed class PlannerApiTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-planner-api-");
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["PLANNER_MAX_PROMPT_CHARS"] = "200" });

    public void Dispose()
    {
        _factory.Dispose();
        _folder.Delete(recursive: true);
    }

    private void RegisterMemory(string id = "memory") =>
        _factory.Services.GetRequiredService<McpServerRegistry>().Add(McpHarness.Stdio(id, McpTestServers.Memory,
            environment: new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = Path.Combine(_folder.FullName, $"{id}.jsonl") }));

    private static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static JsonObject ToolGraph(string server, string tool) => Graph(
        [Node("start", "trigger.manual"), Node("call", "mcp.tool", new() { ["server"] = server, ["tool"] = tool })], [Edge("start", "call")]);

    [Theory]
    [InlineData("", PlanProblemCodes.PromptEmpty)]
    [InlineData("   \n ", PlanProblemCodes.PromptEmpty)]
    [InlineData(null, PlanProblemCodes.PromptEmpty)]
    public async Task Draft_WhenPromptIsEmpty_Is400WithItsCode(string? prompt, string code)
    {
        using var admin = _factory.CreateAdminClient();

        var (status, body) = await PostAsync(admin, "/api/planner/drafts", new { prompt });

        Assert.Equal((HttpStatusCode.BadRequest, code), (status, body["code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Draft_WhenPromptIsLongerThanTheLimit_Is400PromptTooLong()
    {
        using var admin = _factory.CreateAdminClient();

        var (status, body) = await PostAsync(admin, "/api/planner/drafts", new { prompt = new string('a', 201) });

        Assert.Equal((HttpStatusCode.BadRequest, PlanProblemCodes.PromptTooLong), (status, body["code"]!.GetValue<string>()));
        Assert.Contains("PLANNER_MAX_PROMPT_CHARS", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Draft_WhenBaseVersionComesWithoutWorkflow_Is400()
    {
        using var admin = _factory.CreateAdminClient();

        var (status, body) = await PostAsync(admin, "/api/planner/drafts", new { prompt = "wait an hour", baseVersion = 2 });

        Assert.Equal((HttpStatusCode.BadRequest, PlannerErrorCodes.BaseVersionWithoutWorkflow), (status, body["code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Draft_WhenWorkflowDoesNotExist_Is404()
    {
        using var admin = _factory.CreateAdminClient();

        var (status, body) = await PostAsync(admin, "/api/planner/drafts", new { prompt = "wait an hour", workflowId = Guid.NewGuid() });

        Assert.Equal((HttpStatusCode.NotFound, WorkflowErrorCodes.NotFound), (status, body["code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Draft_WhenCallerIsAViewer_Is403()
    {
        var (viewer, _, _) = await _factory.CreateUserClientAsync("vera", "viewer");
        using (viewer)
        {
            var response = await viewer.PostAsJsonAsync("/api/planner/drafts", new { prompt = "wait an hour" });

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task Save_WhenAToolNamesAnUnregisteredServer_Is400McpServerUnknown()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();

        var (status, body) = await PostAsync(admin, "/api/workflows", new { name = "ghost", graph = ToolGraph("memroy", "read_graph") });

        Assert.Equal((HttpStatusCode.BadRequest, WorkflowErrorCodes.GraphInvalid), (status, body["code"]!.GetValue<string>()));
        var problem = Assert.Single(body["problems"]!.AsArray())!;
        Assert.Equal((WorkflowErrorCodes.McpServerUnknown, "/nodes/1/config/server"), (problem["code"]!.GetValue<string>(), problem["jsonPointer"]!.GetValue<string>()));
        Assert.Contains("closest: memory", problem["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WhenServerCatalogIsLoadedAndLacksTheTool_Is400NamingTheClosestTools()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();
        (await admin.GetAsync("/api/mcp/tools")).EnsureSuccessStatusCode();

        var (status, body) = await PostAsync(admin, "/api/workflows", new { name = "typo", graph = ToolGraph("memory", "read_graphs") });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var problem = Assert.Single(body["problems"]!.AsArray())!;
        Assert.Equal(WorkflowErrorCodes.McpToolUnknown, problem["code"]!.GetValue<string>());
        Assert.Contains("closest: read_graph", problem["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WhenServerCatalogIsNotLoadedYet_SavesAndValidateWarns()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();

        var (validateStatus, validation) = await PostAsync(admin, "/api/workflows/validate", new { graph = ToolGraph("memory", "anything_at_all") });
        await CreateWorkflowAsync(admin, ToolGraph("memory", "anything_at_all"));

        Assert.Equal(HttpStatusCode.OK, validateStatus);
        Assert.True(validation["valid"]!.GetValue<bool>());
        Assert.Equal(WorkflowErrorCodes.McpCatalogNotLoaded, Assert.Single(validation["warnings"]!.AsArray())!["code"]!.GetValue<string>());
    }

    private static async Task<JsonObject> DraftAsync(HttpClient client, object body)
    {
        var (status, draft) = await PostAsync(client, "/api/planner/drafts", body);
        Assert.True(status == HttpStatusCode.OK, draft.ToJsonString());
        return draft;
    }

    private static string[] Ids(JsonObject draft) => [.. draft["graph"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>())];

    [Fact]
    public async Task Draft_WhenNoLlmIsConfigured_TheOfflinePlannerDraftsALaidOutGraphThatValidatesAndSaves()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();

        var draft = await DraftAsync(admin, new { prompt = "Search the memory for the patient, then reply with the result." });

        Assert.Equal("offline", draft["planner"]!.GetValue<string>());
        Assert.Null(draft["model"]);
        Assert.Empty(draft["problems"]!.AsArray());
        var nodes = draft["graph"]!["nodes"]!.AsArray();
        var search = nodes.Single(n => n!["type"]!.GetValue<string>() == "mcp.tool")!["config"]!;
        Assert.Equal(("memory", "search_nodes"), (search["server"]!.GetValue<string>(), search["tool"]!.GetValue<string>()));
        Assert.Equal(nodes.Count, nodes.Select(n => n!["position"]!["x"]!.GetValue<double>()).Distinct().Count());
        Assert.Equal(Ids(draft), draft["explanation"]!.AsArray().Select(e => e!["nodeId"]!.GetValue<string>()));
        Assert.Contains(draft["assumptions"]!.AsArray(), a => a!.GetValue<string>().Contains("input.query", StringComparison.Ordinal));
        await CreateWorkflowAsync(admin, draft["graph"]!.AsObject(), "from words");
    }

    [Fact]
    public async Task Draft_WhenWorkflowIdIsGiven_RefinesThatVersionAndSaysWhichOne()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();
        var first = await DraftAsync(admin, new { prompt = "Search the memory for the patient, then reply with the result." });
        var workflowId = await CreateWorkflowAsync(admin, first["graph"]!.AsObject(), "to refine");

        var refined = await DraftAsync(admin, new { prompt = "add a 2-hour wait before the reply", workflowId, baseVersion = 1 });

        Assert.Equal((workflowId, 1), (refined["workflowId"]!.GetValue<Guid>(), refined["baseVersion"]!.GetValue<int>()));
        Assert.Superset(Ids(first).ToHashSet(), Ids(refined).ToHashSet());
        var delay = refined["graph"]!["nodes"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "delay")!;
        Assert.Equal(7200, delay["config"]!["seconds"]!.GetValue<int>());
        var replyId = refined["graph"]!["nodes"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "respond")!["id"]!.GetValue<string>();
        Assert.Contains(refined["graph"]!["edges"]!.AsArray(), e => e!["source"]!.GetValue<string>() == delay["id"]!.GetValue<string>() && e["target"]!.GetValue<string>() == replyId);
        Assert.Contains(refined["changes"]!.AsArray(), c => c!["kind"]!.GetValue<string>() == "node_added" && c["subject"]!.GetValue<string>() == delay["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Draft_WhenNoServerOffersTheAction_AnswersAProblemInsteadOfAGuessedTool()
    {
        RegisterMemory();
        using var admin = _factory.CreateAdminClient();

        var draft = await DraftAsync(admin, new { prompt = "When a webhook arrives, send an SMS to the patient." });

        Assert.Null(draft["graph"]);
        Assert.Contains(draft["problems"]!.AsArray(), p => p!["code"]!.GetValue<string>() == PlanProblemCodes.ToolUnknown);
    }
}
