using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Caching;
using ControlTower.Server.NodeSwitches;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.NodeSwitches;
using ControlTower.Server.Workflows;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Caching;

/// <summary>
/// The shared cache and shared counters against a real redis-server (Debian's, started by test.sh): entries shared
/// and invalidated across instances, rate limits counted across server processes, and a Redis outage that costs no request.
/// </summary>
public sealed class SharedCacheTests
{
    [Fact]
    public async Task Start_WhenRedisBackendHasNoUrl_RefusesNamingRedisUrl()
    {
        var data = Directory.CreateTempSubdirectory("controltower-cli-");
        try
        {
            var result = await ControlTowerProcess.RunAsync(["serve"], new() { ["CACHE_BACKEND"] = "redis", ["DATA_DIR"] = data.FullName });

            Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.StandardError}");
            Assert.Contains("refuses to start", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("CACHE_BACKEND=redis needs REDIS_URL", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [RedisFact]
    public async Task Cache_WhenTwoInstancesShareRedis_TheSecondReadsTheFirstsEntriesAndChangesReachBoth()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        var redis = await RedisDatabase.CreateAsync();
        // An hour: only an invalidation, never an expiry, can make an instance see a change below.
        var settings = new Dictionary<string, string?> { ["CACHE_BACKEND"] = "redis", ["REDIS_URL"] = redis.Url, ["CACHE_TTL"] = "3600" };
        using var first = new ControlTowerFactory(settings, postgres);
        using var firstClient = first.CreateAdminClient();
        using var second = new ControlTowerFactory(settings, postgres);
        using var secondClient = second.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(firstClient, NodeTypeSwitchTests.TwoBranches());

        var loaded = await first.Services.GetRequiredService<WorkflowDefinitions>().GetAsync(workflow, 1, CancellationToken.None);
        // The second instance may have loaded the new workflow itself already (its trigger registry hears of it): only
        // this read is measured, and it must come from Redis or its own cache, never the database.
        var loadsBefore = Loads(second, WorkflowDefinitions.CacheName);
        var shared = await second.Services.GetRequiredService<WorkflowDefinitions>().GetAsync(workflow, 1, CancellationToken.None);
        Assert.Equal(loadsBefore, Loads(second, WorkflowDefinitions.CacheName));
        Assert.Equal(loaded.GraphJson, shared.GraphJson);
        Assert.Equal(loaded.Graph.Nodes.Count, shared.Graph.Nodes.Count);

        Assert.True(await first.Services.GetRequiredService<NodeTypeSwitches>().IsEnabledAsync("transform", CancellationToken.None));
        Assert.True(await redis.ReadAsync(db => db.KeyExistsAsync("controltower:cache:node-type-switches")));
        Assert.True(await second.Services.GetRequiredService<NodeTypeSwitches>().IsEnabledAsync("transform", CancellationToken.None));
        Assert.Equal(0, Loads(second, "node-type-switches"));

        await NodeTypeSwitchApi.SetAsync(secondClient, "transform", enabled: false, "switched on the other instance");
        await EventuallyAsync(async () => !await first.Services.GetRequiredService<NodeTypeSwitches>().IsEnabledAsync("transform", CancellationToken.None),
            "the first instance still sees transform switched on");

        Assert.False(await KillSwitchEngagedAsync(firstClient));
        var engaged = await secondClient.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "stop everything" });
        Assert.True(engaged.IsSuccessStatusCode, await engaged.Content.ReadAsStringAsync());
        await EventuallyAsync(() => KillSwitchEngagedAsync(firstClient), "the first instance still sees the kill switch released");
    }

    [RedisFact]
    public async Task McpCatalog_WhenAnotherInstanceFetchedIt_IsServedFromRedisWhileTheServerIsDown()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        var redis = await RedisDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["CACHE_BACKEND"] = "redis", ["REDIS_URL"] = redis.Url, ["CACHE_TTL"] = "3600" };
        using var first = new ControlTowerFactory(settings, postgres);
        using var firstClient = first.CreateAdminClient();
        using var second = new ControlTowerFactory(settings, postgres);
        using var secondClient = second.CreateAdminClient();
        await using var server = await Mcp.EverythingHttpServer.StartAsync();
        var registered = await firstClient.PostAsJsonAsync("/api/mcp/servers", new { id = "everything-http", name = "everything", transport = "streamable_http", url = server.Endpoint });
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());

        Assert.Contains("everything-http/echo", await ToolNamesAsync(firstClient));
        server.Kill();

        await EventuallyAsync(async () => (await ToolNamesAsync(secondClient)).Contains("everything-http/echo"),
            "the second instance does not list the catalog the first one fetched");
        Assert.Equal(0, Loads(second, Server.Mcp.McpCatalogLoader.CacheName));
    }

    [Fact]
    public async Task Invalidation_WithoutRedisOnPostgres_ReachesTheOtherInstanceByNotify()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["CACHE_TTL"] = "3600" };
        using var first = new ControlTowerFactory(settings, postgres);
        using var firstClient = first.CreateAdminClient();
        using var second = new ControlTowerFactory(settings, postgres);
        using var secondClient = second.CreateAdminClient();
        var graph = Graph([Node("start", "trigger.manual"), Node("call", "mcp.tool", new() { ["server"] = "shared-http", ["tool"] = "echo" })], [Edge("start", "call")]);

        var unknown = await secondClient.PostAsJsonAsync("/api/workflows", new { name = "uses shared-http", graph });
        Assert.Contains("workflow.mcp_server_unknown", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await KillSwitchEngagedAsync(secondClient));

        var registered = await firstClient.PostAsJsonAsync("/api/mcp/servers", new { id = "shared-http", name = "shared", transport = "streamable_http", url = "http://127.0.0.1:9/mcp" });
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        var engaged = await firstClient.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "stop everything" });
        Assert.True(engaged.IsSuccessStatusCode, await engaged.Content.ReadAsStringAsync());

        await EventuallyAsync(() => KillSwitchEngagedAsync(secondClient), "the second instance still sees the kill switch released");
        await EventuallyAsync(async () =>
        {
            using var saved = await secondClient.PostAsJsonAsync("/api/workflows", new { name = "uses shared-http", graph });
            return saved.IsSuccessStatusCode;
        }, "the second instance still does not know the MCP server registered on the first");
    }

    [RedisFact]
    public async Task RateLimit_WhenTwoServerProcessesShareRedis_RequestsToOneCountAgainstTheOther()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        var redis = await RedisDatabase.CreateAsync();
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = postgres.ConnectionString,
            ["CACHE_BACKEND"] = "redis",
            ["REDIS_URL"] = redis.Url,
            ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "10",
            ["RATE_LIMIT_AUTH_FAILURES"] = "3",
        };
        var firstData = Directory.CreateTempSubdirectory("controltower-redis-");
        var secondData = Directory.CreateTempSubdirectory("controltower-redis-");
        try
        {
            using var first = await ControlTowerServerProcess.StartAsync(firstData.FullName, settings, TimeSpan.FromMinutes(2));
            using var second = await ControlTowerServerProcess.StartAsync(secondData.FullName, settings, TimeSpan.FromMinutes(2));

            var onFirst = await StatusesAsync(first.Client, "/api/me", 6);
            var onSecond = await StatusesAsync(second.Client, "/api/me", 6);

            Assert.All(onFirst, status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], onSecond);
            using var refused = await second.Client.GetAsync("/api/me");
            Assert.Equal("request.rate_limited", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());

            const string wrongKey = "ctk_notakey_0123456789abcdefghijklmnopqrstuv";
            using var guesser = new HttpClient { BaseAddress = first.BaseAddress };
            guesser.DefaultRequestHeaders.Authorization = new("Bearer", wrongKey);
            Assert.All(await StatusesAsync(guesser, "/api/me", 3), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
            using var otherGuesser = new HttpClient { BaseAddress = second.BaseAddress };
            otherGuesser.DefaultRequestHeaders.Authorization = new("Bearer", wrongKey);
            using var throttled = await otherGuesser.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal("auth.too_many_failures", (await throttled.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        }
        finally
        {
            firstData.Delete(recursive: true);
            secondData.Delete(recursive: true);
        }
    }

    [RedisFact]
    public async Task Cache_WhenRedisIsKilledMidRun_RequestsStillSucceedAndHealthSaysDegraded()
    {
        using var redis = await RedisServerProcess.StartAsync();
        var logs = new CapturingLoggerProvider();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["CACHE_BACKEND"] = "redis", ["REDIS_URL"] = redis.Url })
            .WithServices(logs.AddTo);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, NodeTypeSwitchTests.TwoBranches());
        Assert.Equal("healthy", await CacheHealthAsync(admin));
        Assert.Equal("completed", (await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["n"] = 1 }), "completed", "failed")).Status());

        redis.Kill();

        Assert.False(await KillSwitchEngagedAsync(admin));
        var gate = await admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = "refill.dispense", authorized = false, reason = "Redis is down" });
        Assert.True(gate.IsSuccessStatusCode, await gate.Content.ReadAsStringAsync());
        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["n"] = 21 }), "completed", "failed");
        Assert.Equal("completed", run.Status());
        await EventuallyAsync(async () => await CacheHealthAsync(admin) == "degraded", "the cache is not reported degraded");
        Assert.Contains(logs.Lines, line => line.Contains("Redis is unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WhenRedisIsUnreachable_ServesFromMemoryAndHealthSaysDegraded()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["CACHE_BACKEND"] = "redis", ["REDIS_URL"] = $"redis://127.0.0.1:{ClosedPort()}" });
        using var admin = factory.CreateAdminClient();

        var workflow = await CreateWorkflowAsync(admin, NodeTypeSwitchTests.TwoBranches());
        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["n"] = 21 }), "completed", "failed");

        Assert.Equal("completed", run.Status());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
        Assert.Equal("degraded", await CacheHealthAsync(admin));
    }

    private static async Task<List<string>> ToolNamesAsync(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonObject>("/api/mcp/tools");
        return [.. body!["tools"]!.AsArray().Select(tool => tool!["name"]!.GetValue<string>())];
    }

    private static long Loads(ControlTowerFactory factory, string cache) => factory.Services.GetRequiredService<CacheMetrics>().Loads(cache);

    private static async Task<bool> KillSwitchEngagedAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonObject>("/api/governance/kill-switch"))!["engaged"]!.GetValue<bool>();

    private static async Task<string> CacheHealthAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["components"]!["cache"]!["status"]!.GetValue<string>();
    }

    private static async Task<List<HttpStatusCode>> StatusesAsync(HttpClient client, string path, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.GetAsync(path);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
