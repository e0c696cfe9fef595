using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Releases.ReleaseApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Releases;

/// <summary>Instant rollback: one call, audited; new runs take the version rolled back to, runs in flight finish on the version they pinned.</summary>
public sealed class ReleaseRollbackTests
{
    private static JsonObject V1() => Graph(
        [Node("start", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = "{'version': 1}" })],
        [Edge("start", "calc")]);

    private static JsonObject V2(CountingEndpoint endpoint) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("price", "http.request", new() { ["url"] = endpoint.Url("/price") }),
            Node("calc", "transform", new() { ["expression"] = "{'version': 2, 'price': nodes.price.output.body.price}" }),
        ],
        [Edge("start", "price"), Edge("price", "calc")]);

    [Fact]
    public async Task Rollback_WhileARunIsInFlight_NewRunsTakeTheOldVersionAndTheRunFinishesOnItsOwn()
    {
        await using var endpoint = await CountingEndpoint.StartAsync();
        HeldExecutor<HttpRequestExecutor>? held = null;
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["SCHEDULE_TRIGGERS"] = "false",
            ["HTTP_NODE_ALLOW"] = "127.0.0.1",
        }).WithServices(services => held = HeldExecutor<HttpRequestExecutor>.Replace(services));
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, V1());
        await SaveVersionAsync(admin, workflow, V2(endpoint), "version 2 looks prices up");

        var inFlight = await StartAsync(admin, workflow);
        await held!.Started.WaitAsync(TimeSpan.FromSeconds(60));
        var rolledBack = await RollbackAsync(admin, workflow, new { version = 1, reason = "prices look wrong" });
        var whileHeld = await GetRunAsync(admin, inFlight);
        var fresh = await WaitForStatusAsync(admin, await StartAsync(admin, workflow), "completed");
        held.Release();
        var finished = await WaitForStatusAsync(admin, inFlight, "completed");
        var audit = Assert.Single(await AuditAsync(admin, workflow, "workflow.release_rolled_back"));

        Assert.Equal("running", whileHeld["status"]!.GetValue<string>());
        Assert.Equal("direct", rolledBack["mode"]!.GetValue<string>());
        Assert.Equal(1, rolledBack["stableVersion"]!.GetValue<int>());
        Assert.Equal(1, fresh["workflowVersion"]!.GetValue<int>());
        Assert.Equal(1, NodeOutput(fresh, "calc")!["version"]!.GetValue<int>());
        Assert.Equal(2, finished["workflowVersion"]!.GetValue<int>());
        Assert.Equal(2, NodeOutput(finished, "calc")!["version"]!.GetValue<int>());
        Assert.Equal(7, NodeOutput(finished, "calc")!["price"]!.GetValue<int>());
        Assert.Equal("prices look wrong", audit["reason"]!.GetValue<string>());
        Assert.Equal(2, audit["data"]!["fromVersion"]!.GetValue<int>());
        Assert.Equal(1, audit["data"]!["toVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rollback_WithoutAVersion_StopsTheCanaryOrGoesBackToThePreviousStable()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["SCHEDULE_TRIGGERS"] = "false", ["RELEASE_CHECKS"] = "false" });
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, V1());
        var nothingEarlier = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/release/rollback", new { });
        await SaveVersionAsync(admin, workflow, V1(), "version 2");
        await SaveVersionAsync(admin, workflow, V1(), "version 3");

        var latest = await GetReleaseAsync(admin, workflow);
        var pinned = await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 2 });
        await PutReleaseAsync(admin, workflow, new { mode = "canary", version = 3, steps = new[] { 10 } });
        var stopped = await RollbackAsync(admin, workflow, new { });
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 3 });
        var back = await RollbackAsync(admin, workflow, new { });

        Assert.Equal(HttpStatusCode.Conflict, nothingEarlier.StatusCode);
        Assert.Contains("release.nothing_to_roll_back", await nothingEarlier.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("latest", latest["mode"]!.GetValue<string>());
        Assert.Equal(3, latest["stableVersion"]!.GetValue<int>());
        Assert.Equal(2, pinned["stableVersion"]!.GetValue<int>());
        Assert.Equal(3, pinned["previousStableVersion"]!.GetValue<int>());
        Assert.Equal("direct", stopped["mode"]!.GetValue<string>());
        Assert.Equal(2, stopped["stableVersion"]!.GetValue<int>());
        Assert.Null(stopped["candidateVersion"]);
        Assert.Equal(2, back["stableVersion"]!.GetValue<int>());
        Assert.Equal(3, back["previousStableVersion"]!.GetValue<int>());
    }
}
