using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Golden test: replay a run that called a real endpoint, against the same and a modified version.</summary>
public sealed class ReplayTests
{
    private static JsonObject PricingGraph(CountingEndpoint endpoint, string totalExpression) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("fetch", "http.request", new() { ["url"] = endpoint.Url("/price") }),
            Node("total", "transform", new() { ["expression"] = totalExpression }),
            Node("reply", "respond", new() { ["body"] = "nodes.total.output" }),
        ],
        [Edge("start", "fetch"), Edge("fetch", "total"), Edge("total", "reply")]);

    private static Dictionary<string, JsonObject> ByNode(JsonObject report) =>
        report["nodes"]!.AsArray().ToDictionary(n => n!["nodeId"]!.GetValue<string>(), n => n!.AsObject());

    [Fact]
    public async Task Replay_FeedsRecordedSideEffectsAndReportsTheNodesAModifiedVersionChanges()
    {
        await using var endpoint = await CountingEndpoint.StartAsync();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" });
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, PricingGraph(endpoint, "{'total': nodes.fetch.output.body.price * input.qty}"));
        var original = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["qty"] = 3 }), "completed");
        var originalId = original["id"]!.GetValue<Guid>();

        var same = await admin.PostAsJsonAsync($"/api/runs/{originalId}/replay", new { });
        var sameReport = (await same.Content.ReadFromJsonAsync<JsonObject>())!;
        (await admin.PostAsJsonAsync($"/api/workflows/{workflow}/versions",
            new { graph = PricingGraph(endpoint, "{'total': nodes.fetch.output.body.price * input.qty + 1}"), message = "add the dispensing fee" })).EnsureSuccessStatusCode();
        var modified = await admin.PostAsJsonAsync($"/api/runs/{originalId}/replay", new { version = 2 });
        var modifiedReport = (await modified.Content.ReadFromJsonAsync<JsonObject>())!;
        var replayRun = await GetRunAsync(admin, modifiedReport["runId"]!.GetValue<Guid>());
        var stored = await admin.GetFromJsonAsync<JsonObject>($"/api/runs/{replayRun["id"]}/replay");
        var nodes = ByNode(modifiedReport);

        Assert.Equal(1, endpoint.Calls("/price")); // neither replay called the endpoint again
        Assert.Equal(21, original["output"]!["body"]!["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal("completed", sameReport["status"]!.GetValue<string>());
        Assert.Equal(0, sameReport["differences"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        Assert.Equal("replay", replayRun["trigger"]!.GetValue<string>());
        Assert.Equal(2, replayRun["workflowVersion"]!.GetValue<int>());
        Assert.Equal(22, replayRun["output"]!["body"]!["total"]!.GetValue<int>());
        Assert.Equal(2, modifiedReport["differences"]!.GetValue<int>());
        Assert.False(nodes["fetch"]["differs"]!.GetValue<bool>());
        Assert.Equal(7, nodes["fetch"]["replay"]!["output"]!["body"]!["price"]!.GetValue<int>());
        Assert.True(nodes["total"]["differs"]!.GetValue<bool>());
        Assert.Equal(21, nodes["total"]["original"]!["output"]!["total"]!.GetValue<int>());
        Assert.Equal(22, nodes["total"]["replay"]!["output"]!["total"]!.GetValue<int>());
        Assert.True(nodes["reply"]["differs"]!.GetValue<bool>());
        Assert.Equal(2, stored!["differences"]!.GetValue<int>());
    }

    [Fact]
    public async Task Replay_WhenTheOriginalRetried_FeedsEachAttemptItsRecordingInOrder()
    {
        await using var endpoint = await CountingEndpoint.StartAsync();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" });
        using var admin = factory.CreateAdminClient();
        var retry = new JsonObject { ["maxAttempts"] = 3, ["initialBackoffMs"] = 100, ["multiplier"] = 1, ["maxBackoffMs"] = 100, ["jitter"] = 0 };
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("stock", "http.request", new() { ["url"] = endpoint.Url("/flaky") }, new() { ["retry"] = retry }),
                Node("enough", "condition", new() { ["expression"] = "nodes.stock.output.body.stock >= input.qty" }),
            ],
            [Edge("start", "stock"), Edge("stock", "enough")]);
        var original = await WaitForStatusAsync(admin, await StartAsync(admin, await CreateWorkflowAsync(admin, graph), new JsonObject { ["qty"] = 5 }), "completed");

        var response = await admin.PostAsJsonAsync($"/api/runs/{original["id"]}/replay", new { });
        var report = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var attempts = await admin.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{report["runId"]}/nodes");
        var stockAttempts = attempts!.Where(a => a["nodeId"]!.GetValue<string>() == "stock").OrderBy(a => a["attempt"]!.GetValue<int>()).ToList();

        Assert.Equal(2, endpoint.Calls("/flaky"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, report["differences"]!.GetValue<int>());
        Assert.Equal(["failed", "succeeded"], stockAttempts.Select(a => a["status"]!.GetValue<string>()));
        Assert.Equal("http.status_5xx", stockAttempts[0]["errorCode"]!.GetValue<string>());
        Assert.Equal("true", ByNode(report)["enough"]["replay"]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Replay_WhenTheRunHasNotFinished_Is409()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });
        using var admin = factory.CreateAdminClient();
        var graph = Graph([Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 3600 })], [Edge("start", "wait")]);
        var runId = await StartAsync(admin, await CreateWorkflowAsync(admin, graph));
        await WaitForStatusAsync(admin, runId, "waiting");

        var response = await admin.PostAsJsonAsync($"/api/runs/{runId}/replay", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("replay.source_not_finished", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
