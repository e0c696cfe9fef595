using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Releases.ReleaseApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Releases;

/// <summary>
/// Shadow releases against a real loopback endpoint that counts every call: each live run's input also runs on the
/// candidate, its side effects answered from the live run's recordings, so the endpoint's counters do not move, and
/// the per-node diff report accumulates what the candidate would have done differently.
/// </summary>
public sealed class ReleaseShadowTests
{
    private static JsonObject Charging(CountingEndpoint endpoint, string feeExpression) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("charge", "http.request", new() { ["method"] = "POST", ["url"] = endpoint.Url("/effects/charge"), ["body"] = "{'order': input.order}" }),
            Node("total", "transform", new() { ["expression"] = feeExpression }),
            Node("reply", "respond", new() { ["body"] = "nodes.total.output" }),
        ],
        [Edge("start", "charge"), Edge("charge", "total"), Edge("total", "reply")]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Shadow_WhenLiveRunsFinish_RunsThemOnTheCandidateWithoutSideEffectsAndReportsDiffsPerNode(bool onPostgres)
    {
        await using var endpoint = await CountingEndpoint.StartAsync();
        await using var postgres = onPostgres ? await PostgresDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(
            new Dictionary<string, string?>
            {
                ["ENGINE_POLL_MILLISECONDS"] = "50",
                ["RELEASE_POLL_MILLISECONDS"] = "100",
                ["SCHEDULE_TRIGGERS"] = "false",
                ["HTTP_NODE_ALLOW"] = "127.0.0.1",
            },
            postgres);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Charging(endpoint, "{'total': nodes.charge.output.body.effect * 10}"));
        await SaveVersionAsync(admin, workflow, Charging(endpoint, "{'total': nodes.charge.output.body.effect * 10 + input.order % 2}"), "odd orders pay a fee");
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["order"] = 100 }), "completed");

        await PutReleaseAsync(admin, workflow, new { mode = "shadow", version = 2, reason = "try the fee on real traffic" });
        var live = new List<JsonObject>();
        foreach (var order in new[] { 1, 2, 3, 4 })
        {
            live.Add(await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["order"] = order }), "completed"));
        }

        var callsAfterLive = endpoint.Calls("/effects/charge");
        var report = await WaitForReportAsync(admin, workflow, compared: 4);
        await Task.Delay(500); // a few more release passes: nothing else may be shadowed or called
        var settled = await admin.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/release/shadow-report");
        var nodes = report["nodes"]!.AsArray().ToDictionary(n => n!["nodeId"]!.GetValue<string>(), n => n!.AsObject());
        var shadowRun = await GetRunAsync(admin, report["recent"]![0]!["shadowRunId"]!.GetValue<Guid>());

        Assert.All(live, r => Assert.Equal(1, r["workflowVersion"]!.GetValue<int>()));
        Assert.Equal(5, callsAfterLive);
        Assert.Equal(5, endpoint.Calls("/effects/charge")); // the loopback side-effect counter is unchanged by four shadows
        Assert.Equal(5, endpoint.Effects.Count);
        Assert.Equal(2, report["candidateVersion"]!.GetValue<int>());
        Assert.Equal(4, settled!["shadowRuns"]!.GetValue<int>()); // the run before the shadow began is not shadowed
        Assert.Equal(4, report["compared"]!.GetValue<int>());
        Assert.Equal(2, report["withDifferences"]!.GetValue<int>()); // odd orders only
        Assert.Equal(0, nodes["charge"]["differing"]!.GetValue<int>());
        Assert.Equal(4, nodes["charge"]["compared"]!.GetValue<int>());
        Assert.Equal(2, nodes["total"]["differing"]!.GetValue<int>());
        Assert.Equal(2, nodes["reply"]["differing"]!.GetValue<int>());
        Assert.Equal("replay", shadowRun["trigger"]!.GetValue<string>());
        Assert.Equal(2, shadowRun["workflowVersion"]!.GetValue<int>());
        Assert.Single(await AuditAsync(admin, workflow, "workflow.release_changed"), e => e["data"]!["mode"]!.GetValue<string>() == "shadow");
    }

    [Fact]
    public async Task Shadow_WhenTheCandidateLacksTheLiveRunsTrigger_RecordsTheRefusalOnceAndShadowsTheRest()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["RELEASE_POLL_MILLISECONDS"] = "100",
            ["SCHEDULE_TRIGGERS"] = "false",
        });
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = "1" })], [Edge("start", "calc")]));
        await SaveVersionAsync(admin, workflow, Graph([Node("begin", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = "1" })], [Edge("begin", "calc")]), "renamed trigger");
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        await PutReleaseAsync(admin, workflow, new { mode = "shadow", version = 2 });

        await WaitForStatusAsync(admin, await StartAsync(admin, workflow), "completed");
        await WaitForStatusAsync(admin, await StartAsync(admin, workflow), "completed");
        var report = await WaitForReportAsync(admin, workflow, compared: 0, refused: 2);
        await Task.Delay(500);
        var settled = (await admin.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/release/shadow-report"))!;

        Assert.Equal(2, report["refused"]!.GetValue<int>());
        Assert.Equal(2, settled["shadowRuns"]!.GetValue<int>());
        Assert.Equal(0, settled["compared"]!.GetValue<int>());
        Assert.All(settled["recent"]!.AsArray(), r => Assert.Equal("run.trigger_unknown", r!["refusedCode"]!.GetValue<string>()));
    }

    private static async Task<JsonObject> WaitForReportAsync(HttpClient client, Guid workflow, int compared, int refused = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var report = (await client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/release/shadow-report"))!;
            if (report["compared"]!.GetValue<int>() >= compared && report["refused"]!.GetValue<int>() >= refused)
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the shadow report did not reach {compared} compared runs: {report.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
