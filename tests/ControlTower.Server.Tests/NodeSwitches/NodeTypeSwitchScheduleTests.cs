using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Triggers;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.NodeSwitches.NodeTypeSwitchApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.NodeSwitches;

/// <summary>A switched-off schedule trigger type holds its due occurrence, which fires once when the type is back on (manual clock).</summary>
public sealed class NodeTypeSwitchScheduleTests : IDisposable
{
    private readonly FakeWallClock _clock = new();
    private readonly ControlTowerFactory _factory;
    private readonly HttpClient _admin;

    public NodeTypeSwitchScheduleTests()
    {
        _factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["SCHEDULE_POLL_MILLISECONDS"] = "50",
        }).WithServices(services => services.AddSingleton<TimeProvider>(_clock));
        _admin = _factory.CreateAdminClient();
    }

    public void Dispose()
    {
        _admin.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task Schedule_WhenItsTriggerTypeIsOffAtTheOccurrence_FiresItOnceWhenBackOn()
    {
        var workflow = await CreateWorkflowAsync(_admin, Graph(
            [Node("tick", "trigger.schedule", new() { ["cron"] = "0 * * * *", ["timeZone"] = "UTC" }), Node("report", "transform", new() { ["expression"] = "1" })],
            [Edge("tick", "report")]));
        await TickUntilAsync(async () => (await NextFireAsync(workflow))?.StartsWith("2026-11-21 13:00:00", StringComparison.Ordinal) == true);
        await SetAsync(_admin, "trigger.schedule", enabled: false, "quiet hours for the report server");

        _clock.Advance(TimeSpan.FromHours(2));
        for (var i = 0; i < 5; i++)
        {
            await Scheduler().TickAsync(CancellationToken.None);
        }

        var whileOff = await RunsAsync(workflow);
        var stillDue = await NextFireAsync(workflow);
        await SetAsync(_admin, "trigger.schedule", enabled: true);
        await TickUntilAsync(async () => (await RunsAsync(workflow)).Count > 0);
        for (var i = 0; i < 5; i++)
        {
            await Scheduler().TickAsync(CancellationToken.None);
        }

        Assert.Empty(whileOff);
        Assert.StartsWith("2026-11-21 13:00:00", stillDue, StringComparison.Ordinal);
        var run = Assert.Single(await RunsAsync(workflow));
        Assert.Equal("completed", (await WaitForStatusAsync(_admin, run["id"]!.GetValue<Guid>(), "completed", "failed")).Status());
        Assert.StartsWith("2026-11-21 15:00:00", await NextFireAsync(workflow), StringComparison.Ordinal);
    }

    private ScheduleTriggers Scheduler() => ActivatorUtilities.CreateInstance<ScheduleTriggers>(_factory.Services);

    private async Task TickUntilAsync(Func<Task<bool>> done)
    {
        for (var i = 0; i < 200; i++)
        {
            await Scheduler().TickAsync(CancellationToken.None);
            if (await done())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the scheduler never reached the expected state");
    }

    private async Task<string?> NextFireAsync(Guid workflow) =>
        (await Sqlite.QueryAsync(_factory.SqliteFile, $"SELECT NextFireAt FROM schedule_states WHERE lower(WorkflowId) = '{workflow}'"))
            .Select(r => (string?)r[0]).SingleOrDefault();

    private async Task<List<JsonObject>> RunsAsync(Guid workflow) =>
        [.. (await _admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}&limit=200"))!["items"]!.AsArray().Cast<JsonObject>()];
}
