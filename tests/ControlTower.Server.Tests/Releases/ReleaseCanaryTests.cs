using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Releases;
using ControlTower.Server.Releases;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ControlTower.Server.Tests.Releases.ReleaseApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Releases;

/// <summary>
/// Canary releases over HTTP on a fake clock: the split follows the start's idempotency key, the check ramps a healthy
/// candidate step by step to promotion, and rolls a failing one back on its own. The canary check is called directly
/// (<c>RELEASE_CHECKS=false</c>), so the fake clock alone decides when a step's pause is over.
/// </summary>
public sealed class ReleaseCanaryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 9, 0, 0, TimeSpan.Zero);

    private static JsonObject Healthy(int marker) => Graph(
        [Node("start", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = $"{{'version': {marker}}}" })],
        [Edge("start", "calc")]);

    private static JsonObject Failing() => Graph(
        [Node("start", "trigger.manual"), Node("boom", "fail", new() { ["code"] = "refill.broken", ["message"] = "the candidate is broken" })],
        [Edge("start", "boom")]);

    private static ControlTowerFactory Factory(FakeTimeProvider clock, PostgresDatabase? postgres = null) => new ControlTowerFactory(
        new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["RELEASE_CHECKS"] = "false",
            ["SCHEDULE_TRIGGERS"] = "false",
            ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000",
        },
        postgres).WithServices(services => services.AddSingleton<TimeProvider>(clock));

    /// <summary>Starts one run per key and waits until all finished; returns each key's run.</summary>
    private static async Task<Dictionary<string, JsonObject>> RunAllAsync(HttpClient client, Guid workflow, IEnumerable<string> keys)
    {
        var ids = new Dictionary<string, Guid>();
        foreach (var key in keys)
        {
            ids[key] = await StartAsync(client, workflow, new JsonObject { ["key"] = key }, key);
        }

        var runs = new Dictionary<string, JsonObject>();
        foreach (var (key, id) in ids)
        {
            runs[key] = await WaitForStatusAsync(client, id, "completed", "failed");
        }

        return runs;
    }

    private static int Version(JsonObject run) => run["workflowVersion"]!.GetValue<int>();

    [Fact]
    public async Task Canary_WhenTheCandidateIsHealthy_SplitsByKeyRampsAfterEachPauseAndPromotes()
    {
        var clock = new FakeTimeProvider(Start);
        using var factory = Factory(clock);
        using var admin = factory.CreateAdminClient();
        var canary = factory.Services.GetRequiredService<CanaryMonitor>();
        var workflow = await CreateWorkflowAsync(admin, Healthy(1));
        await SaveVersionAsync(admin, workflow, Healthy(2), "version 2");
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        await PutReleaseAsync(admin, workflow, new { mode = "canary", version = 2, steps = new[] { 20, 60 }, stepPauseSeconds = 600, minRunsPerStep = 5 });

        // At least 40 keys, and enough of them on the canary for the step's minimum: the split hashes the workflow's
        // random id, so 40 fixed keys leave fewer than 5 on a 20 % canary about one time in 13.
        var step1Keys = new List<string>();
        for (var i = 0; step1Keys.Count < 40 || step1Keys.Count(k => ReleaseRouting.TakesCanary(workflow, k, 20)) < 8; i++)
        {
            step1Keys.Add($"order-{i}");
        }

        var step1 = await RunAllAsync(admin, workflow, step1Keys);
        var again = await RunAllAsync(admin, workflow, ["order-0", "order-1", "order-2"]);
        var early = await canary.EvaluateAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(601));
        var advanced = await canary.EvaluateAsync(CancellationToken.None);
        var atStep2 = await GetReleaseAsync(admin, workflow);
        var step2 = await RunAllAsync(admin, workflow, Enumerable.Range(step1Keys.Count, 40).Select(i => $"order-{i}"));
        clock.Advance(TimeSpan.FromSeconds(601));
        var promoted = await canary.EvaluateAsync(CancellationToken.None);
        var after = await RunAllAsync(admin, workflow, Enumerable.Range(step1Keys.Count + 40, 10).Select(i => $"order-{i}"));
        var release = await GetReleaseAsync(admin, workflow);

        // Determinism: every run pinned what Core's split says for its key, and a repeated key returned the same run.
        Assert.All(step1, pair => Assert.Equal(ReleaseRouting.TakesCanary(workflow, pair.Key, 20) ? 2 : 1, Version(pair.Value)));
        Assert.All(step2, pair => Assert.Equal(ReleaseRouting.TakesCanary(workflow, pair.Key, 60) ? 2 : 1, Version(pair.Value)));
        Assert.All(again, pair => Assert.Equal(step1[pair.Key]["id"]!.GetValue<Guid>(), pair.Value["id"]!.GetValue<Guid>()));
        Assert.InRange(step1.Values.Count(r => Version(r) == 2), 8, 16);
        Assert.All(step1.Values.Where(r => Version(r) == 2), r => Assert.Equal(2, NodeOutput(r, "calc")!["version"]!.GetValue<int>()));
        Assert.IsType<CanaryDecision.Hold>(Assert.Single(early).Decision);
        Assert.Equal(60, Assert.IsType<CanaryDecision.Advance>(Assert.Single(advanced).Decision).Percent);
        Assert.Equal(2, atStep2["canary"]!["step"]!.GetValue<int>());
        Assert.Equal(60, atStep2["canary"]!["percent"]!.GetValue<int>());
        Assert.IsType<CanaryDecision.Promote>(Assert.Single(promoted).Decision);
        Assert.All(after.Values, r => Assert.Equal(2, Version(r)));
        Assert.Equal("direct", release["mode"]!.GetValue<string>());
        Assert.Equal(2, release["stableVersion"]!.GetValue<int>());
        Assert.Equal(1, release["previousStableVersion"]!.GetValue<int>());
        Assert.Single(await AuditAsync(admin, workflow, "workflow.release_step_advanced"));
        var promotion = Assert.Single(await AuditAsync(admin, workflow, "workflow.release_promoted"));
        Assert.Equal("release:canary", promotion["actor"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Canary_WhenTheCandidateFailsMoreThanStable_RollsBackWithoutWaitingForThePause(bool onPostgres)
    {
        var clock = new FakeTimeProvider(Start);
        await using var postgres = onPostgres ? await PostgresDatabase.CreateAsync() : null;
        using var factory = Factory(clock, postgres);
        using var admin = factory.CreateAdminClient();
        var canary = factory.Services.GetRequiredService<CanaryMonitor>();
        var workflow = await CreateWorkflowAsync(admin, Healthy(1));
        await SaveVersionAsync(admin, workflow, Failing(), "version 2 breaks");
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        await PutReleaseAsync(admin, workflow, new { mode = "canary", version = 2, steps = new[] { 50 }, stepPauseSeconds = 3600, minRunsPerStep = 5, maxErrorRateIncrease = 0.1 });

        var during = await RunAllAsync(admin, workflow, Enumerable.Range(0, 30).Select(i => $"refill-{i}"));
        var viewed = await GetReleaseAsync(admin, workflow);
        var decided = await canary.EvaluateAsync(CancellationToken.None);
        var after = await RunAllAsync(admin, workflow, Enumerable.Range(30, 20).Select(i => $"refill-{i}"));
        var release = await GetReleaseAsync(admin, workflow);
        var rollback = Assert.Single(await AuditAsync(admin, workflow, "workflow.release_rolled_back"));

        Assert.Contains(during.Values, r => r["status"]!.GetValue<string>() == "failed" && Version(r) == 2);
        Assert.All(during.Values.Where(r => Version(r) == 1), r => Assert.Equal("completed", r["status"]!.GetValue<string>()));
        Assert.Equal(1.0, viewed["canary"]!["candidate"]!["errorRate"]!.GetValue<double>());
        Assert.Equal(0.0, viewed["canary"]!["stable"]!["errorRate"]!.GetValue<double>());
        Assert.IsType<CanaryDecision.RollBack>(Assert.Single(decided).Decision);
        Assert.All(after.Values, r => Assert.Equal(1, Version(r)));
        Assert.All(after.Values, r => Assert.Equal("completed", r["status"]!.GetValue<string>()));
        Assert.Equal("direct", release["mode"]!.GetValue<string>());
        Assert.Equal(1, release["stableVersion"]!.GetValue<int>());
        Assert.Null(release["candidateVersion"]);
        Assert.Contains("error rate", release["lastDecision"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("release:canary", rollback["actor"]!.GetValue<string>());
        Assert.True(rollback["data"]!["automatic"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PutRelease_WhenThePolicyOrVersionIsWrong_AnswersTypedProblems()
    {
        var clock = new FakeTimeProvider(Start);
        using var factory = Factory(clock);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Healthy(1));

        var sameVersion = await admin.PutAsJsonAsync($"/api/workflows/{workflow}/release", new { mode = "canary", version = 1 });
        await SaveVersionAsync(admin, workflow, Healthy(2), "version 2");
        var badSteps = await admin.PutAsJsonAsync($"/api/workflows/{workflow}/release", new { mode = "canary", version = 2, steps = new[] { 50, 10 } });
        var badMode = await admin.PutAsJsonAsync($"/api/workflows/{workflow}/release", new { mode = "blue-green", version = 2 });
        var noVersion = await admin.PutAsJsonAsync($"/api/workflows/{workflow}/release", new { mode = "direct", version = 9 });
        var nothingEarlier = await admin.PostAsJsonAsync($"/api/workflows/{Guid.NewGuid()}/release/rollback", new { });

        Assert.Equal(HttpStatusCode.BadRequest, sameVersion.StatusCode);
        Assert.Contains("release.invalid", await sameVersion.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badSteps.StatusCode);
        Assert.Contains("steps must rise strictly", await badSteps.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        Assert.Contains("workflow.version_not_found", await noVersion.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, nothingEarlier.StatusCode);
    }
}
