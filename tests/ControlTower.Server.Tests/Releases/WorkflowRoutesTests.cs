using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Caching;
using ControlTower.Server.Releases;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Releases.ReleaseApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Releases;

/// <summary>
/// Run starts route from an in-process cache of each workflow's enabled flag, latest version and release
/// (<see cref="WorkflowRoutes"/>): every change is seen by the next start, in this process at once and in another
/// process sharing the PostgreSQL database once the invalidation arrives.
/// </summary>
public sealed class WorkflowRoutesTests
{
    private static JsonObject Doubling(int factor) => Graph(
        [Node("start", "trigger.manual"), Node("t", "transform", new() { ["expression"] = $"{{'v': input.n * {factor}}}" })],
        [Edge("start", "t")]);

    [Fact]
    public async Task Start_AfterEachRoutingChange_SeesItAtOnce()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var metrics = factory.Services.GetRequiredService<CacheMetrics>();
        var workflow = await CreateWorkflowAsync(admin, Doubling(2));

        Assert.Equal(1, await StartedVersionAsync(admin, workflow));
        var loads = metrics.Loads(WorkflowRoutes.CacheName);
        Assert.Equal(1, await StartedVersionAsync(admin, workflow));
        Assert.Equal(loads, metrics.Loads(WorkflowRoutes.CacheName)); // a second start with nothing changed reads no route

        await SetEnabledAsync(admin, workflow, false);
        await AssertRefusedAsDisabledAsync(admin, workflow);
        await SetEnabledAsync(admin, workflow, true);
        Assert.Equal(1, await StartedVersionAsync(admin, workflow));

        await SaveVersionAsync(admin, workflow, Doubling(3), "triple");
        Assert.Equal(2, await StartedVersionAsync(admin, workflow));

        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        Assert.Equal(1, await StartedVersionAsync(admin, workflow));

        await RollbackAsync(admin, workflow, new { version = 2 });
        Assert.Equal(2, await StartedVersionAsync(admin, workflow));
    }

    [Fact]
    public async Task Webhook_WhenTheWorkflowIsDisabled_IsRefusedByTheNextDelivery()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        using var anonymous = factory.CreateClient(apiKey: null);
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("hook", "trigger.webhook"), Node("t", "transform", new() { ["expression"] = "{'v': 1}" })],
            [Edge("hook", "t")]));
        using (var first = await anonymous.PostAsJsonAsync($"/hooks/{workflow}/hook", new { n = 1 }))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await SetEnabledAsync(admin, workflow, false);
        using var refused = await anonymous.PostAsJsonAsync($"/hooks/{workflow}/hook", new { n = 1 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("workflow.disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenAnotherProcessChangesTheWorkflow_SeesItOnceTheNotifyArrives()
    {
        await using var database = await ServerDatabase.CreateAsync("postgres");
        using var first = database.Factory();
        using var firstClient = first.CreateAdminClient();
        using var second = database.Factory();
        using var secondClient = second.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(firstClient, Doubling(2));
        Assert.Equal(1, await StartedVersionAsync(secondClient, workflow)); // the second process now holds the route

        await SetEnabledAsync(firstClient, workflow, false);
        await EventuallyAsync(async () =>
        {
            using var refused = await secondClient.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { n = 1 } });
            return refused.StatusCode == HttpStatusCode.Conflict;
        });

        await SetEnabledAsync(firstClient, workflow, true);
        await SaveVersionAsync(firstClient, workflow, Doubling(3), "triple");
        await EventuallyAsync(async () =>
        {
            using var started = await secondClient.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { n = 1 } });
            return started.IsSuccessStatusCode
                && (await GetRunAsync(secondClient, (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>()))["workflowVersion"]!.GetValue<int>() == 2;
        });
    }

    private static async Task<int> StartedVersionAsync(HttpClient client, Guid workflow)
    {
        var run = await GetRunAsync(client, await StartAsync(client, workflow, new JsonObject { ["n"] = 1 }));
        return run["workflowVersion"]!.GetValue<int>();
    }

    private static async Task SetEnabledAsync(HttpClient client, Guid workflow, bool enabled)
    {
        using var response = await client.PostAsJsonAsync($"/api/workflows/{workflow}/{(enabled ? "enable" : "disable")}", new { });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertRefusedAsDisabledAsync(HttpClient client, Guid workflow)
    {
        using var refused = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { n = 1 } });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("workflow.disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The invalidation crosses processes by NOTIFY: wait for it, within a bound far below <c>CACHE_TTL</c>.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the other process did not see the change within 10 s");
            await Task.Delay(100);
        }
    }
}
