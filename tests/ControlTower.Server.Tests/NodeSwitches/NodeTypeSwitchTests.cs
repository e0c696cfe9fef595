using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.NodeSwitches.NodeTypeSwitchApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.NodeSwitches;

/// <summary>Kill switches per node type over real HTTP and SQLite: parked attempts, resumed attempts, who may switch.</summary>
public sealed class NodeTypeSwitchTests
{
    private static readonly Dictionary<string, string?> FastPolling = new() { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" };

    /// <summary>start → t (transform) → after (condition); start → c (condition) on its own branch.</summary>
    internal static JsonObject TwoBranches() => Graph(
        [
            Node("start", "trigger.manual"),
            Node("t", "transform", new() { ["expression"] = "input.n * 2" }),
            Node("after", "condition", new() { ["expression"] = "nodes.t.output == 42" }),
            Node("c", "condition", new() { ["expression"] = "input.n > 0" }),
        ],
        [Edge("start", "t"), Edge("t", "after"), Edge("start", "c")]);

    [Fact]
    public async Task Switch_WhenTransformIsOffThenOn_ParksTheNodeWhileOtherBranchesRunAndResumesItOnce()
    {
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, TwoBranches());
        await SetAsync(admin, "transform", enabled: false, "partner mapping is wrong");

        var runId = await StartAsync(admin, workflow, new JsonObject { ["n"] = 21 });
        var parked = await WaitForNodeAsync(admin, runId, "c", "succeeded");
        parked = await WaitForNodeAsync(admin, runId, "t", "waiting");
        var events = await EventsAsync(admin, runId);

        Assert.Equal("waiting", parked.Status());
        Assert.Equal("node_type_disabled", parked.NodeOf("t")["waitReason"]!.GetValue<string>());
        Assert.Equal("pending", parked.NodeOf("after")["status"]!.GetValue<string>());
        Assert.Contains(events, e => e["data"]!["node_id"]?.GetValue<string>() == "t" && e["data"]!["wait_reason"]?.GetValue<string>() == "node_type_disabled");
        Assert.DoesNotContain(await AttemptsAsync(admin, runId), a => a["nodeId"]!.GetValue<string>() == "t");

        await SetAsync(admin, "transform", enabled: true);
        var done = await WaitForStatusAsync(admin, runId, "completed", "failed");

        Assert.Equal("completed", done.Status());
        Assert.Equal(1, done.NodeOf("t")["attempt"]!.GetValue<int>());
        Assert.Equal(42, done.NodeOf("t")["output"]!.GetValue<int>());
        Assert.Equal("true", done.NodeOf("after")["outcome"]!.GetValue<string>());
        var attempts = (await AttemptsAsync(admin, runId)).Where(a => a["nodeId"]!.GetValue<string>() == "t").ToList();
        var attempt = Assert.Single(attempts);
        Assert.Equal(($"{runId}:t:1", "succeeded"), (attempt["idempotencyKey"]!.GetValue<string>(), attempt["status"]!.GetValue<string>()));
        var seqs = (await EventsAsync(admin, runId)).Select(e => e["seq"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.Empty(await Sqlite.QueryAsync(factory.SqliteFile, $"SELECT \"Id\" FROM run_tasks WHERE \"RunId\" = '{runId.ToString().ToUpperInvariant()}' OR \"RunId\" = '{runId}'"));
    }

    [Fact]
    public async Task Switch_WhenAnAttemptIsInFlight_LetsItFinishAndParksTheNextOne()
    {
        await using var endpoint = await GatedEndpoint.StartAsync();
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("first", "http.request", new() { ["url"] = endpoint.Url("/slow") }), Node("second", "http.request", new() { ["url"] = endpoint.Url("/fast") })],
            [Edge("start", "first"), Edge("first", "second")]));
        var runId = await StartAsync(admin, workflow);
        await endpoint.Arrived.WaitAsync(TimeSpan.FromSeconds(60));

        await SetAsync(admin, "http.request", enabled: false, "the partner API is misbehaving");
        endpoint.Open();
        var parked = await WaitForNodeAsync(admin, runId, "second", "waiting");

        Assert.Equal("succeeded", parked.NodeOf("first")["status"]!.GetValue<string>());
        Assert.Equal("node_type_disabled", parked.NodeOf("second")["waitReason"]!.GetValue<string>());
        Assert.Equal(1, endpoint.Calls);

        await SetAsync(admin, "http.request", enabled: true);
        var done = await WaitForStatusAsync(admin, runId, "completed", "failed");

        Assert.Equal("completed", done.Status());
        Assert.Equal(2, endpoint.Calls);
        Assert.Equal(["first:1", "second:1"], (await AttemptsAsync(admin, runId)).Where(a => a["nodeType"]!.GetValue<string>() == "http.request")
            .Select(a => $"{a["nodeId"]}:{a["attempt"]}").Order().ToList());
    }

    [Fact]
    public async Task Cancel_WhenANodeIsParked_CancelsTheRunAndSwitchingOnResumesNothing()
    {
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, TwoBranches());
        await SetAsync(admin, "transform", enabled: false);
        var runId = await StartAsync(admin, workflow, new JsonObject { ["n"] = 1 });
        await WaitForNodeAsync(admin, runId, "t", "waiting");

        var cancel = await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "not needed any more" });
        await SetAsync(admin, "transform", enabled: true);
        await Task.Delay(500);
        var run = await GetRunAsync(admin, runId);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", run.Status());
        Assert.Equal("cancelled", run.NodeOf("t")["status"]!.GetValue<string>());
        Assert.DoesNotContain(await AttemptsAsync(admin, runId), a => a["nodeId"]!.GetValue<string>() == "t");
        Assert.Empty(await Sqlite.QueryAsync(factory.SqliteFile, "SELECT \"Id\" FROM run_tasks"));
    }

    [Fact]
    public async Task Switch_WhenCalledByOperatorWithoutReasonOrForUnknownType_IsRefusedWithItsCode()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (operatorClient, _, _) = await factory.CreateUserClientAsync("switch.operator", "operator");

        var notAdmin = await SwitchAsync(operatorClient, "llm", false, "too expensive");
        var noReason = await SwitchAsync(admin, "llm", false, "  ");
        var unknown = await SwitchAsync(admin, "no.such.type", false, "why not");
        var operatorCanRead = await operatorClient.GetFromJsonAsync<JsonArray>("/api/node-types/switches");

        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("node_type.reason_required", await CodeAsync(noReason));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("node_type.not_found", await CodeAsync(unknown));
        Assert.All(operatorCanRead!.OfType<JsonObject>(), t => Assert.True(t["enabled"]!.GetValue<bool>()));
        Assert.Empty(await AuditAsync(admin, "node_type.disabled"));
    }

    [Fact]
    public async Task Switch_WhenTurnedOffAndOn_IsShownWithWhoWhenWhyAndAudited()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();

        await SetAsync(admin, "llm", enabled: false, "stop all llm calls: the bill");
        var types = await admin.GetFromJsonAsync<JsonArray>("/api/node-types");
        var switches = await admin.GetFromJsonAsync<JsonArray>("/api/node-types/switches");
        await SetAsync(admin, "llm", enabled: true, "budget raised");
        var after = await admin.GetFromJsonAsync<JsonArray>("/api/node-types/switches");

        var llm = types!.OfType<JsonObject>().Single(t => t["type"]!.GetValue<string>() == "llm");
        Assert.False(llm["enabled"]!.GetValue<bool>());
        Assert.Equal("stop all llm calls: the bill", llm["switch"]!["reason"]!.GetValue<string>());
        Assert.True(types!.OfType<JsonObject>().Single(t => t["type"]!.GetValue<string>() == "transform")["enabled"]!.GetValue<bool>());
        var view = switches!.OfType<JsonObject>().Single(t => t["type"]!.GetValue<string>() == "llm");
        Assert.Equal((false, "user:admin"), (view["enabled"]!.GetValue<bool>(), view["changedBy"]!.GetValue<string>()));
        Assert.NotNull(view["changedAt"]);
        Assert.True(after!.OfType<JsonObject>().Single(t => t["type"]!.GetValue<string>() == "llm")["enabled"]!.GetValue<bool>());
        var disabled = Assert.Single(await AuditAsync(admin, "node_type.disabled"));
        var enabled = Assert.Single(await AuditAsync(admin, "node_type.enabled"));
        Assert.Equal(("node_type:llm", "stop all llm calls: the bill"), (disabled["target"]!.GetValue<string>(), disabled["reason"]!.GetValue<string>()));
        Assert.Equal("budget raised", enabled["reason"]!.GetValue<string>());
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Start_WhenItsTriggerTypeIsOff_IsRefusedWithTypeDisabledUntilSwitchedOn()
    {
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, TwoBranches());
        await SetAsync(admin, "trigger.manual", enabled: false, "no manual runs during the migration");

        var refused = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { n = 21 } });
        var runsWhileOff = await admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}");
        await SetAsync(admin, "trigger.manual", enabled: true);
        var runId = await StartAsync(admin, workflow, new JsonObject { ["n"] = 21 });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("node.type_disabled", await CodeAsync(refused));
        Assert.Contains("no manual runs during the migration", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(runsWhileOff!["items"]!.AsArray());
        Assert.Equal("completed", (await WaitForStatusAsync(admin, runId, "completed", "failed")).Status());
    }

    [Fact]
    public async Task Webhook_WhenItsTriggerTypeIsOff_IsRefusedAndTheSameDeliveryIsAcceptedOnceBackOn()
    {
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("hook", "trigger.webhook", new() { ["respondMode"] = "immediately" }), Node("t", "transform", new() { ["expression"] = "input.body.n" })],
            [Edge("hook", "t")]));
        using var anonymous = factory.CreateClient(apiKey: null);
        await SetAsync(admin, "trigger.webhook", enabled: false, "partner floods us");

        var refused = await anonymous.PostAsJsonAsync($"/hooks/{workflow}/hook", new { n = 5 });
        await SetAsync(admin, "trigger.webhook", enabled: true);
        var accepted = await anonymous.PostAsJsonAsync($"/hooks/{workflow}/hook", new { n = 5 });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("node.type_disabled", await CodeAsync(refused));
        Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
        var runs = (await admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}"))!["items"]!.AsArray();
        Assert.Single(runs);
    }

    [Fact]
    public async Task Webhook_WhenARedeliveryArrivesAfterItsTriggerTypeWasSwitchedOff_AnswersWithTheFirstRunAndRefusesNewOnes()
    {
        using var factory = new ControlTowerFactory(FastPolling);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("hook", "trigger.webhook", new() { ["respondMode"] = "immediately" }), Node("t", "transform", new() { ["expression"] = "input.body.n" })],
            [Edge("hook", "t")]));
        using var anonymous = factory.CreateClient(apiKey: null);
        var first = await DeliverAsync(anonymous, workflow, "delivery-1");
        await SetAsync(admin, "trigger.webhook", enabled: false, "partner floods us");

        var redelivered = await DeliverAsync(anonymous, workflow, "delivery-1");
        var fresh = await DeliverAsync(anonymous, workflow, "delivery-2");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        var (firstBody, againBody) = (await first.Content.ReadFromJsonAsync<JsonObject>(), await redelivered.Content.ReadFromJsonAsync<JsonObject>());
        Assert.Equal(firstBody!["runId"]!.GetValue<Guid>(), againBody!["runId"]!.GetValue<Guid>());
        Assert.True(againBody["duplicate"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.Conflict, fresh.StatusCode);
        Assert.Equal("node.type_disabled", await CodeAsync(fresh));
    }

    private static async Task<HttpResponseMessage> DeliverAsync(HttpClient client, Guid workflow, string deliveryId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{workflow}/hook") { Content = JsonContent.Create(new { n = 5 }) };
        request.Headers.Add("X-Delivery-Id", deliveryId);
        return await client.SendAsync(request);
    }
}
