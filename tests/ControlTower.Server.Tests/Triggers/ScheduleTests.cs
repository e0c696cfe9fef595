using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Triggers;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Triggers;

/// <summary>Schedule triggers on a manual clock (2026-11-21 12:00 UTC); the background scheduler races the tests' own instances.</summary>
public sealed class ScheduleTests : IDisposable
{
    private readonly FakeWallClock _clock = new();
    private readonly ControlTowerFactory _factory;
    private readonly HttpClient _admin;

    public ScheduleTests()
    {
        _factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["SCHEDULE_POLL_MILLISECONDS"] = "50",
        }).WithServices(services => services.AddSingleton<TimeProvider>(_clock));
        _admin = _factory.CreateAdminClient();
    }

    public void Dispose() => _factory.Dispose();

    private static JsonObject ScheduledGraph(string cron, string timeZone = "UTC") => Graph(
        [
            Node("tick", "trigger.schedule", new() { ["cron"] = cron, ["timeZone"] = timeZone, ["input"] = new JsonObject { ["store"] = "S-1" } }),
            Node("report", "transform", new() { ["expression"] = "{'store': input.store}" }),
        ],
        [Edge("tick", "report")]);

    private ScheduleTriggers NewScheduler() =>
        ActivatorUtilities.CreateInstance<ScheduleTriggers>(_factory.Services);

    private async Task<List<JsonObject>> RunsAsync(Guid workflow)
    {
        var page = await _admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}&limit=200");
        return page!["items"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    private async Task<List<object?[]>> StateAsync(Guid workflow) =>
        await Sqlite.QueryAsync(_factory.SqliteFile,
            $"SELECT NextFireAt, LastFiredAt, WorkflowVersion FROM schedule_states WHERE lower(WorkflowId) = '{workflow}'");

    /// <summary>Ticks until the scheduler has the workflow's row (the background loop may be first).</summary>
    private async Task WaitForStateAsync(Guid workflow, string nextFireAt)
    {
        for (var i = 0; i < 200; i++)
        {
            await NewScheduler().TickAsync(CancellationToken.None);
            var rows = await StateAsync(workflow);
            if (rows.Count == 1 && ((string)rows[0][0]!).StartsWith(nextFireAt, StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"schedule state of {workflow} never showed next fire {nextFireAt}: {string.Join(", ", (await StateAsync(workflow)).Select(r => r[0]))}");
    }

    private static async Task RaceAsync(IEnumerable<ScheduleTriggers> schedulers, int ticks) =>
        await Task.WhenAll(schedulers.Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < ticks; i++)
            {
                await s.TickAsync(CancellationToken.None);
            }
        })));

    [Fact]
    public async Task Schedule_WhenSchedulersRaceOnEachOccurrence_FiresExactlyOncePerOccurrence()
    {
        var workflow = await CreateWorkflowAsync(_admin, ScheduledGraph("*/5 * * * *"));
        await WaitForStateAsync(workflow, "2026-11-21 12:05:00");
        ScheduleTriggers[] racers = [NewScheduler(), NewScheduler(), NewScheduler()];

        _clock.Advance(TimeSpan.FromMinutes(5));
        await RaceAsync(racers, 5);
        var afterFirst = await RunsAsync(workflow);
        _clock.Advance(TimeSpan.FromMinutes(5));
        await RaceAsync(racers, 5);
        // A restarted process (a fresh instance) finds nothing left to fire.
        await NewScheduler().TickAsync(CancellationToken.None);
        var afterSecond = await RunsAsync(workflow);
        var keys = await Sqlite.QueryAsync(_factory.SqliteFile, $"SELECT IdempotencyKey FROM runs WHERE lower(WorkflowId) = '{workflow}' ORDER BY IdempotencyKey");

        Assert.Single(afterFirst);
        Assert.Equal(2, afterSecond.Count);
        Assert.All(afterSecond, r => Assert.Equal("schedule", r["trigger"]!.GetValue<string>()));
        Assert.Equal(["schedule:tick:2026-11-21T12:05:00.0000000Z", "schedule:tick:2026-11-21T12:10:00.0000000Z"], keys.Select(k => (string)k[0]!));
        var run = await WaitForStatusAsync(_admin, afterSecond[0]["id"]!.GetValue<Guid>(), "completed");
        Assert.Equal("S-1", run["output"]!["report"]!["store"]!.GetValue<string>());
        await WaitForStateAsync(workflow, "2026-11-21 12:15:00");
    }

    [Fact]
    public async Task Save_WhenCronOrTimeZoneIsInvalid_ReportsEachAtItsPointer()
    {
        var graph = ScheduledGraph("0 25 * * *", "Mars/Olympus_Mons");
        graph["nodes"]!.AsArray().Add(Node("other", "trigger.schedule", new() { ["cron"] = "0 0 30 2 *" }));
        graph["edges"]!.AsArray().Add(Edge("other", "report"));

        var response = await _admin.PostAsJsonAsync("/api/workflows", new { name = "bad schedule", graph });
        var problems = (await response.Content.ReadFromJsonAsync<JsonObject>())!["problems"]!.AsArray()
            .Select(p => $"{p!["code"]} {p["jsonPointer"]}").ToList();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cron.time_zone_unknown /nodes/0/config/timeZone", problems);
        Assert.Contains("cron.never_fires /nodes/2/config/cron", problems);
    }

    [Fact]
    public async Task Schedule_AfterDowntime_FiresOnceForTheMissedOccurrencesThenFromNow()
    {
        var workflow = await CreateWorkflowAsync(_admin, ScheduledGraph("0 * * * *"));
        await WaitForStateAsync(workflow, "2026-11-21 13:00:00");

        _clock.Advance(TimeSpan.FromHours(5).Add(TimeSpan.FromMinutes(30)));
        await RaceAsync([NewScheduler(), NewScheduler()], 3);
        var runs = await RunsAsync(workflow);
        var state = await StateAsync(workflow);

        Assert.Single(runs);
        Assert.StartsWith("2026-11-21 13:00:00", (string)state[0][1]!, StringComparison.Ordinal); // the first missed occurrence, fired late
        Assert.StartsWith("2026-11-21 18:00:00", (string)state[0][0]!, StringComparison.Ordinal); // then the next one after now (17:30)
    }

    [Fact]
    public async Task Schedule_WhenANewVersionChangesTheCronOrTheWorkflowIsReenabled_RecomputesFromNow()
    {
        var workflow = await CreateWorkflowAsync(_admin, ScheduledGraph("0 * * * *"));
        await WaitForStateAsync(workflow, "2026-11-21 13:00:00");

        // 9:00 in Berlin is 08:00 UTC in November.
        (await _admin.PostAsJsonAsync($"/api/workflows/{workflow}/versions", new { graph = ScheduledGraph("0 9 * * *", "Europe/Berlin") })).EnsureSuccessStatusCode();
        await WaitForStateAsync(workflow, "2026-11-22 08:00:00");
        (await _admin.PostAsJsonAsync($"/api/workflows/{workflow}/disable", new { })).EnsureSuccessStatusCode();
        for (var i = 0; i < 100 && (await StateAsync(workflow)).Count > 0; i++)
        {
            await NewScheduler().TickAsync(CancellationToken.None);
        }

        var whileDisabled = await StateAsync(workflow);
        _clock.Advance(TimeSpan.FromDays(2));
        await NewScheduler().TickAsync(CancellationToken.None);
        var firedWhileDisabled = await RunsAsync(workflow);
        (await _admin.PostAsJsonAsync($"/api/workflows/{workflow}/enable", new { })).EnsureSuccessStatusCode();
        await WaitForStateAsync(workflow, "2026-11-24 08:00:00");

        Assert.Empty(whileDisabled);
        Assert.Empty(firedWhileDisabled);
        Assert.Empty(await RunsAsync(workflow));
        Assert.Equal(2L, (await StateAsync(workflow))[0][2]);
    }
}
