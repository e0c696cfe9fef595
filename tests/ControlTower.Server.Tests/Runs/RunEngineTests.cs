using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

public sealed class RunEngineTests : IClassFixture<RunEngineTests.App>
{
    private readonly HttpClient _client;
    private readonly ControlTowerFactory _factory;

    public RunEngineTests(App app)
    {
        _factory = app.Factory;
        _client = app.Factory.CreateAdminClient();
    }

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

        public void Dispose() => Factory.Dispose();
    }

    private static JsonObject ChainGraph() => Graph(
        [
            Node("start", "trigger.manual"),
            Node("double", "transform", new() { ["expression"] = "{'amount': input.amount * 2, 'who': input.name}" }),
            Node("reply", "respond", new() { ["body"] = "{'message': 'refill for ' + nodes.double.output.who, 'total': nodes.double.output.amount}" }),
        ],
        [Edge("start", "double"), Edge("double", "reply")]);

    [Fact]
    public async Task Run_WhenChainSucceeds_CompletesWithRespondOutputAndGaplessEvents()
    {
        var workflow = await CreateWorkflowAsync(_client, ChainGraph());

        var runId = await StartAsync(_client, workflow, new JsonObject { ["amount"] = 21, ["name"] = "Ada" });
        var run = await WaitForStatusAsync(_client, runId, "completed");
        var events = await EventsAsync(_client, runId);

        Assert.Equal("refill for Ada", run["output"]!["body"]!["message"]!.GetValue<string>());
        Assert.Equal(42, run["output"]!["body"]!["total"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e["seq"]!.GetValue<long>()));
        Assert.Equal("complete", events[^1]["type"]!.GetValue<string>());
        Assert.All(events, e => Assert.Equal("1.0", e["version"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(run["traceId"]!.GetValue<string>(), e["trace_id"]!.GetValue<string>()));
        Assert.Contains(events, e => e["data"]!["node_id"]?.GetValue<string>() == "double" && e["data"]!["status"]!.GetValue<string>() == "running");
        Assert.Equal(["start", "double", "reply"], run["nodes"]!.AsArray().Select(n => n!["nodeId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Start_WhenIdempotencyKeyRepeats_ReturnsTheSameRun()
    {
        var workflow = await CreateWorkflowAsync(_client, ChainGraph());

        var first = await StartAsync(_client, workflow, new JsonObject { ["amount"] = 1, ["name"] = "a" }, "order-17");
        var second = await StartAsync(_client, workflow, new JsonObject { ["amount"] = 1, ["name"] = "a" }, "order-17");
        var runs = await _client.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}");

        Assert.Equal(first, second);
        Assert.Single(runs!["items"]!.AsArray());
    }

    [Fact]
    public async Task Run_WhenFailureIsWiredToErrorHandle_TakesTheErrorPath()
    {
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("check", "fail", new() { ["code"] = "refill.too_early", ["message"] = "too early for {{ input.patient }}" }),
                Node("handled", "respond", new() { ["body"] = "{'handled': nodes.check.error.code}" }),
            ],
            [Edge("start", "check"), Edge("check", "handled", "error")]);
        var workflow = await CreateWorkflowAsync(_client, graph);

        var run = await WaitForStatusAsync(_client, await StartAsync(_client, workflow, new JsonObject { ["patient"] = "P-1" }), "completed");

        Assert.Equal("refill.too_early", run["output"]!["body"]!["handled"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenFailureIsNotCaught_FailsNamingNodeCodeAndMessage()
    {
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("check", "fail", new() { ["code"] = "refill.too_early", ["message"] = "too early for {{ input.patient }}" })],
            [Edge("start", "check")]);
        var workflow = await CreateWorkflowAsync(_client, graph);
        var runId = await StartAsync(_client, workflow, new JsonObject { ["patient"] = "P-2" });

        var run = await WaitForStatusAsync(_client, runId, "failed");
        var events = await EventsAsync(_client, runId);

        Assert.Equal("check", run["error"]!["node_id"]!.GetValue<string>());
        Assert.Equal("refill.too_early", run["error"]!["code"]!.GetValue<string>());
        Assert.Equal("too early for P-2", run["error"]!["message"]!.GetValue<string>());
        Assert.Equal("error", events[^1]["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenWaitingOnDelay_HoldsNoWorkAndCancelsCleanly()
    {
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 3600 }), Node("after", "transform", new() { ["expression"] = "1" })],
            [Edge("start", "wait"), Edge("wait", "after")]);
        var workflow = await CreateWorkflowAsync(_client, graph);
        var runId = await StartAsync(_client, workflow);

        await WaitForStatusAsync(_client, runId, "waiting");
        var timers = await Sqlite.QueryAsync(_factory.SqliteFile, $"SELECT Kind, DueAt FROM run_tasks WHERE RunId = '{runId.ToString().ToUpperInvariant()}' OR RunId = '{runId}'");
        var cancel = await _client.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "patient picked up early" });
        var run = await GetRunAsync(_client, runId);
        var left = await Sqlite.QueryAsync(_factory.SqliteFile, $"SELECT COUNT(*) FROM run_tasks WHERE RunId = '{runId.ToString().ToUpperInvariant()}' OR RunId = '{runId}'");

        Assert.Equal("timer", Assert.Single(timers)[0]);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", run.Status());
        Assert.Equal(0L, left[0][0]);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { })).StatusCode);
    }

    [Fact]
    public async Task Run_WhenDelayIsShort_ResumesFromTheDurableTimer()
    {
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 1 }), Node("after", "transform", new() { ["expression"] = "'woke up'" })],
            [Edge("start", "wait"), Edge("wait", "after")]);
        var workflow = await CreateWorkflowAsync(_client, graph);

        var runId = await StartAsync(_client, workflow);
        var run = await WaitForStatusAsync(_client, runId, "completed");
        var attempts = await _client.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{runId}/nodes");
        var wait = Assert.Single(attempts!, a => a["nodeId"]!.GetValue<string>() == "wait");

        Assert.Equal("woke up", run["output"]!["after"]!.GetValue<string>());
        Assert.Equal("succeeded", wait["status"]!.GetValue<string>());
        Assert.NotNull(wait["finishedAt"]);
    }

    [Fact]
    public async Task Events_WhenStreamedAndResumedWithLastEventId_DeliverEachEventExactlyOnce()
    {
        var workflow = await CreateWorkflowAsync(_client, ChainGraph());
        var runId = await StartAsync(_client, workflow, new JsonObject { ["amount"] = 5, ["name"] = "Grace" });
        await WaitForStatusAsync(_client, runId, "completed");
        var all = await EventsAsync(_client, runId);

        var firstPart = await ReadStreamAsync(runId, lastEventId: null, take: 3);
        var rest = await ReadStreamAsync(runId, lastEventId: firstPart[^1], take: int.MaxValue);

        Assert.Equal(all.Select(e => e["seq"]!.GetValue<long>()), firstPart.Concat(rest));
    }

    [Fact]
    public async Task Retry_WhenRunFailedAtANode_RunsAgainFromThere()
    {
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("gate", "condition", new() { ["expression"] = "input.ok" }),
                Node("stop", "fail", new() { ["code"] = "refill.blocked", ["message"] = "blocked" }),
            ],
            [Edge("start", "gate"), Edge("gate", "stop", "false")]);
        var workflow = await CreateWorkflowAsync(_client, graph);
        var runId = await StartAsync(_client, workflow, new JsonObject { ["ok"] = false });
        await WaitForStatusAsync(_client, runId, "failed");

        var retry = await _client.PostAsync($"/api/runs/{runId}/retry", null);
        var run = await WaitForStatusAsync(_client, runId, "failed");
        var attempts = await _client.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{runId}/nodes");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(2, attempts!.Count(a => a["nodeId"]!.GetValue<string>() == "stop"));
        Assert.Equal("refill.blocked", run["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Start_WhenWorkflowIsDisabled_Is409()
    {
        var workflow = await CreateWorkflowAsync(_client, ChainGraph());
        (await _client.PostAsJsonAsync($"/api/workflows/{workflow}/disable", new { reason = "pharmacy closed" })).EnsureSuccessStatusCode();

        var response = await _client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { } });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("workflow.disabled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subworkflow_WhenChildCompletesOrFails_ParentNodeFollows()
    {
        var child = await CreateWorkflowAsync(_client, Graph(
            [
                Node("start", "trigger.manual"),
                Node("gate", "condition", new() { ["expression"] = "input.qty > 0" }),
                Node("label", "transform", new() { ["expression"] = "'label for ' + string(input.qty)" }),
                Node("refuse", "fail", new() { ["code"] = "refill.qty_invalid", ["message"] = "no quantity" }),
            ],
            [Edge("start", "gate"), Edge("gate", "label", "true"), Edge("gate", "refuse", "false")]), "child");
        var parent = await CreateWorkflowAsync(_client, Graph(
            [
                Node("start", "trigger.manual"),
                Node("print", "subworkflow", new() { ["workflowId"] = child.ToString(), ["input"] = "{'qty': input.qty}" }),
                Node("done", "respond", new() { ["body"] = "nodes.print.output" }),
            ],
            [Edge("start", "print"), Edge("print", "done")]), "parent");

        var ok = await WaitForStatusAsync(_client, await StartAsync(_client, parent, new JsonObject { ["qty"] = 3 }), "completed");
        var failed = await WaitForStatusAsync(_client, await StartAsync(_client, parent, new JsonObject { ["qty"] = 0 }), "failed");

        Assert.Equal("label for 3", ok["output"]!["body"]!["label"]!.GetValue<string>());
        Assert.Equal("print", failed["error"]!["node_id"]!.GetValue<string>());
        Assert.Equal("subworkflow.failed", failed["error"]!["code"]!.GetValue<string>());
        Assert.Contains("refill.qty_invalid", failed["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private async Task<List<long>> ReadStreamAsync(Guid runId, long? lastEventId, int take)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{runId}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var ids = new List<long>();
        while (ids.Count < take && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                ids.Add(long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return ids;
    }
}
