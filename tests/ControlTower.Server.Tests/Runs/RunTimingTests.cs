using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Timers and retries on a manual clock (2026-11-21 12:00 UTC).</summary>
public sealed class RunTimingTests
{
    private static string Lower(Guid id) => id.ToString();

    [Fact]
    public async Task Timers_WhenTheLaterOneIsProcessedFirst_TheJoinStillGetsBothAndDuplicatesAreIgnored()
    {
        var clock = new FakeWallClock();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_WORKER"] = "false", ["SCHEDULE_TRIGGERS"] = "false" })
            .WithServices(services => services.AddSingleton<TimeProvider>(clock));
        using var admin = factory.CreateAdminClient();
        var claimer = factory.Services.GetRequiredService<RunTaskClaimer>();
        var processor = factory.Services.GetRequiredService<RunTaskProcessor>();
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("a", "delay", new() { ["seconds"] = 10 }),
                Node("b", "delay", new() { ["seconds"] = 20 }),
                Node("join", "merge", new() { ["mode"] = "all" }),
                Node("result", "transform", new() { ["expression"] = "{'a': nodes.a.output.resumeAt, 'b': nodes.b.output.resumeAt}" }),
            ],
            [Edge("start", "a"), Edge("start", "b"), Edge("a", "join"), Edge("b", "join"), Edge("join", "result")]);
        var runId = await StartAsync(admin, await CreateWorkflowAsync(admin, graph));

        async Task<List<RunTaskEntity>> ClaimAsync() => [.. await claimer.ClaimAsync("test", 100, TimeSpan.FromHours(1), CancellationToken.None)];
        async Task DrainAsync()
        {
            for (var claimed = await ClaimAsync(); claimed.Count > 0; claimed = await ClaimAsync())
            {
                foreach (var task in claimed)
                {
                    await processor.ProcessAsync(task, CancellationToken.None);
                }
            }
        }

        await DrainAsync();
        var parked = await GetRunAsync(admin, runId);
        clock.Advance(TimeSpan.FromSeconds(30));
        var timers = await ClaimAsync();
        var laterFirst = timers.OrderByDescending(t => t.DueAt).ToList();
        foreach (var timer in laterFirst)
        {
            await processor.ProcessAsync(timer, CancellationToken.None);
        }

        var eventsBefore = (await EventsAsync(admin, runId)).Count;
        await processor.ProcessAsync(laterFirst[0], CancellationToken.None); // the same fire delivered again
        var eventsAfter = (await EventsAsync(admin, runId)).Count;
        await DrainAsync();
        var run = await GetRunAsync(admin, runId);

        Assert.Equal("waiting", parked.Status());
        Assert.Equal(["b", "a"], laterFirst.Select(t => t.NodeId));
        Assert.All(laterFirst, t => Assert.Equal("timer", t.Kind));
        Assert.Equal(eventsBefore, eventsAfter);
        Assert.Equal("completed", run.Status());
        Assert.Equal("2026-11-21T12:00:10.000Z", run["output"]!["result"]!["a"]!.GetValue<string>());
        Assert.Equal("2026-11-21T12:00:20.000Z", run["output"]!["result"]!["b"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_WhileANodeIsBackingOffBetweenRetries_EndsCancelledAndRunsNoFurtherAttempt()
    {
        var clock = new FakeWallClock();
        await using var endpoint = await CountingEndpoint.StartAsync();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" })
            .WithServices(services => services.AddSingleton<TimeProvider>(clock));
        using var admin = factory.CreateAdminClient();
        var retry = new JsonObject { ["maxAttempts"] = 5, ["initialBackoffMs"] = 60_000, ["multiplier"] = 1, ["maxBackoffMs"] = 60_000, ["jitter"] = 0 };
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("call", "http.request", new() { ["url"] = endpoint.Url("/unavailable") }, new() { ["retry"] = retry })],
            [Edge("start", "call")]);
        var runId = await StartAsync(admin, await CreateWorkflowAsync(admin, graph));

        var backingOff = await WaitForNodeAsync(admin, runId, "call", "backingoff");
        var cancel = await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "pharmacist stopped it" });
        clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(TimeSpan.FromMilliseconds(750)); // many worker polls past the retry's due time
        var run = await GetRunAsync(admin, runId);
        var attempts = await Sqlite.QueryAsync(factory.SqliteFile, $"SELECT COUNT(*) FROM node_executions WHERE lower(RunId) = '{Lower(runId)}' AND NodeId = 'call'");
        var tasks = await Sqlite.QueryAsync(factory.SqliteFile, $"SELECT COUNT(*) FROM run_tasks WHERE lower(RunId) = '{Lower(runId)}'");

        Assert.Equal(1, backingOff["attempt"]!.GetValue<int>());
        Assert.True(cancel.IsSuccessStatusCode);
        Assert.Equal("cancelled", run.Status());
        Assert.Equal(1L, attempts[0][0]);
        Assert.Equal(0L, tasks[0][0]);
        Assert.Equal(1, endpoint.Calls("/unavailable"));
    }

    private static async Task<JsonObject> WaitForNodeAsync(HttpClient client, Guid runId, string nodeId, string status)
    {
        for (var i = 0; i < 600; i++)
        {
            var node = (await GetRunAsync(client, runId))["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == nodeId)!.AsObject();
            if (node["status"]!.GetValue<string>() == status)
            {
                return node;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"node {nodeId} of run {runId} never became {status}");
    }
}
