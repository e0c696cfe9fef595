using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// Subworkflows are bounded: unknown children and cycles are refused at save, nesting stops at the configured
/// depth, a missing or disabled child fails the node, and cancelling a run cancels its children all the way down.
/// </summary>
public sealed class SubworkflowTests : IClassFixture<SubworkflowTests.App>
{
    private readonly HttpClient _client;

    public SubworkflowTests(App app) => _client = app.Factory.CreateAdminClient();

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["ENGINE_MAX_SUBWORKFLOW_DEPTH"] = "2",
            ["WORKFLOW_MAX_STEP_BUDGET"] = "100",
        });

        public void Dispose() => Factory.Dispose();
    }

    private static JsonObject Leaf(string body = "'leaf'") => Graph(
        [Node("start", "trigger.manual"), Node("reply", "respond", new() { ["body"] = body })],
        [Edge("start", "reply")]);

    private static JsonObject Calls(Guid child, int? version = null)
    {
        var config = new JsonObject { ["workflowId"] = child.ToString() };
        if (version is { } v)
        {
            config["version"] = v;
        }

        return Graph(
            [Node("start", "trigger.manual"), Node("call", "subworkflow", config), Node("reply", "respond", new() { ["body"] = "nodes.call.output" })],
            [Edge("start", "call"), Edge("call", "reply")]);
    }

    private static JsonObject Waits() => Graph(
        [Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 3600 })],
        [Edge("start", "wait")]);

    [Fact]
    public async Task Save_WhenChildWorkflowUnknown_RefusesWithProblemNamingTheNode()
    {
        var response = await _client.PostAsJsonAsync("/api/workflows", new { name = "calls nothing", graph = Calls(Guid.NewGuid()) });
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("workflow.graph_invalid", problem!["code"]!.GetValue<string>());
        var entry = Assert.Single(problem["problems"]!.AsArray())!;
        Assert.Equal(("workflow.subworkflow_unknown", "/nodes/1/config/workflowId"), (entry["code"]!.GetValue<string>(), entry["jsonPointer"]!.GetValue<string>()));
        Assert.Contains("'call'", entry["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WhenPinnedChildVersionUnknown_RefusesIt()
    {
        var child = await CreateWorkflowAsync(_client, Leaf(), "leaf");

        var response = await _client.PostAsJsonAsync("/api/workflows", new { name = "pins v7", graph = Calls(child, 7) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("workflow.subworkflow_unknown", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveVersion_WhenChildLeadsBackToTheWorkflow_RefusesTheCycle()
    {
        var a = await CreateWorkflowAsync(_client, Leaf(), "cycle a");
        var b = await CreateWorkflowAsync(_client, Calls(a), "cycle b");

        var response = await _client.PostAsJsonAsync($"/api/workflows/{a}/versions", new { graph = Calls(b) });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var entry = Assert.Single(body!["problems"]!.AsArray())!;
        Assert.Equal("workflow.subworkflow_cycle", entry["code"]!.GetValue<string>());
        Assert.Contains("cycle a → cycle b → cycle a", entry["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveVersion_WhenCallingItself_RefusesTheCycle()
    {
        var a = await CreateWorkflowAsync(_client, Leaf(), "self caller");

        var response = await _client.PostAsJsonAsync($"/api/workflows/{a}/versions", new { graph = Calls(a) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("workflow.subworkflow_cycle", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WhenStepBudgetAboveTheConfiguredMaximum_RefusesWithProblem()
    {
        var tooMuch = Leaf();
        tooMuch["config"] = new JsonObject { ["stepBudget"] = 101 };
        var atMost = Leaf();
        atMost["config"] = new JsonObject { ["stepBudget"] = 100 };

        var refused = await _client.PostAsJsonAsync("/api/workflows", new { name = "greedy", graph = tooMuch });
        var accepted = await _client.PostAsJsonAsync("/api/workflows", new { name = "modest", graph = atMost });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var entry = Assert.Single((await refused.Content.ReadFromJsonAsync<JsonObject>())!["problems"]!.AsArray())!;
        Assert.Equal(("graph.step_budget_too_large", "/config/stepBudget"), (entry["code"]!.GetValue<string>(), entry["jsonPointer"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Run_WhenChildPinnedToAVersion_ReturnsThatVersionsOutput()
    {
        var child = await CreateWorkflowAsync(_client, Leaf("{'from': 'v1', 'input': input}"), "versioned child");
        (await _client.PostAsJsonAsync($"/api/workflows/{child}/versions", new { graph = Leaf("'v2'") })).EnsureSuccessStatusCode();
        var parent = await CreateWorkflowAsync(_client, Calls(child, 1), "pinning parent");

        var run = await WaitForStatusAsync(_client, await StartAsync(_client, parent, new JsonObject { ["n"] = 4 }), "completed", "failed");

        Assert.Equal("completed", run.Status());
        Assert.Equal("v1", run["output"]!["body"]!["body"]!["from"]!.GetValue<string>());
        Assert.Equal(4, run["output"]!["body"]!["body"]!["input"]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_WhenNestingPassesTheDepthLimit_FailsWithTypedErrorAndStartsNoDeeperRun()
    {
        var level3 = await CreateWorkflowAsync(_client, Leaf(), "depth 3");
        var level2 = await CreateWorkflowAsync(_client, Calls(level3), "depth 2");
        var level1 = await CreateWorkflowAsync(_client, Calls(level2), "depth 1");
        var root = await CreateWorkflowAsync(_client, Calls(level1), "depth 0");

        var run = await WaitForStatusAsync(_client, await StartAsync(_client, root), "completed", "failed");
        var deepest = await SingleRunOfAsync(level2);

        Assert.Equal("failed", run.Status());
        Assert.Equal("subworkflow.failed", run["error"]!["code"]!.GetValue<string>());
        Assert.Equal("failed", deepest.Status());
        Assert.Equal(("call", "subworkflow.depth_exceeded"), (deepest["error"]!["node_id"]!.GetValue<string>(), deepest["error"]!["code"]!.GetValue<string>()));
        Assert.Empty(await RunsOfAsync(level3));
    }

    [Fact]
    public async Task Run_WhenChildDisabled_FailsTheNodeInsteadOfWaitingForever()
    {
        var child = await CreateWorkflowAsync(_client, Leaf(), "switched off child");
        var parent = await CreateWorkflowAsync(_client, Calls(child), "parent of switched off");
        (await _client.PostAsJsonAsync($"/api/workflows/{child}/disable", new { reason = "test" })).EnsureSuccessStatusCode();

        var run = await WaitForStatusAsync(_client, await StartAsync(_client, parent), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(("call", "subworkflow.child_disabled"), (run["error"]!["node_id"]!.GetValue<string>(), run["error"]!["code"]!.GetValue<string>()));
        Assert.Empty(await RunsOfAsync(child));
    }

    [Fact]
    public async Task Cancel_WhenRunWaitsOnNestedChildren_CancelsEveryDescendant()
    {
        var grandchild = await CreateWorkflowAsync(_client, Waits(), "waiting grandchild");
        var child = await CreateWorkflowAsync(_client, Calls(grandchild), "waiting child");
        var root = await CreateWorkflowAsync(_client, Calls(child), "waiting root");
        var rootRun = await StartAsync(_client, root);
        var waiting = await WaitForStatusAsync(_client, (await WaitForRunOfAsync(grandchild))["id"]!.GetValue<Guid>(), "waiting");

        (await _client.PostAsJsonAsync($"/api/runs/{rootRun}/cancel", new { reason = "stop the tree" })).EnsureSuccessStatusCode();

        Assert.Equal("cancelled", (await GetRunAsync(_client, rootRun)).Status());
        Assert.Equal("cancelled", (await SingleRunOfAsync(child)).Status());
        Assert.Equal("cancelled", (await GetRunAsync(_client, waiting["id"]!.GetValue<Guid>())).Status());
        var audit = await _client.GetStringAsync("/api/audit?action=run.cancelled&limit=200");
        Assert.Contains("system:subworkflows", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_WhenChildCancelled_ParentNodeFailsAndTheParentEnds()
    {
        var child = await CreateWorkflowAsync(_client, Waits(), "child cancelled alone");
        var parent = await CreateWorkflowAsync(_client, Calls(child), "parent of cancelled child");
        var parentRun = await StartAsync(_client, parent);
        var childRun = (await WaitForRunOfAsync(child))["id"]!.GetValue<Guid>();
        await WaitForStatusAsync(_client, childRun, "waiting");

        (await _client.PostAsJsonAsync($"/api/runs/{childRun}/cancel", new { reason = "only the child" })).EnsureSuccessStatusCode();
        var run = await WaitForStatusAsync(_client, parentRun, "failed", "completed", "cancelled");

        Assert.Equal("failed", run.Status());
        Assert.Equal(("call", "subworkflow.failed"), (run["error"]!["node_id"]!.GetValue<string>(), run["error"]!["code"]!.GetValue<string>()));
    }

    private async Task<JsonArray> RunsOfAsync(Guid workflowId) =>
        (await _client.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflowId}"))!["items"]!.AsArray();

    private async Task<JsonObject> SingleRunOfAsync(Guid workflowId) =>
        await GetRunAsync(_client, Assert.Single(await RunsOfAsync(workflowId))!["id"]!.GetValue<Guid>());

    private async Task<JsonObject> WaitForRunOfAsync(Guid workflowId)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await RunsOfAsync(workflowId)).FirstOrDefault() is JsonObject run)
            {
                return run;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No run of workflow {workflowId} started.");
    }
}
