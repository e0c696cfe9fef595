using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Triggers;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Triggers;

/// <summary>Schedulers racing on PostgreSQL or MySQL, where several processes really share one database.</summary>
public sealed class SchedulePostgresTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task Schedule_OnPostgresWhenManySchedulersRace_FiresEachOccurrenceOnce(string provider)
    {
        var clock = new FakeWallClock();
        await using var database = await ServerDatabase.CreateAsync(provider);
        using var factory = database.Factory(new Dictionary<string, string?> { ["SCHEDULE_POLL_MILLISECONDS"] = "50" })
            .WithServices(services => services.AddSingleton<TimeProvider>(clock));
        using var admin = factory.CreateAdminClient();
        var graph = Graph(
            [Node("tick", "trigger.schedule", new() { ["cron"] = "*/15 * * * *" }), Node("noop", "transform", new() { ["expression"] = "1" })],
            [Edge("tick", "noop")]);
        var workflow = await CreateWorkflowAsync(admin, graph);
        ScheduleTriggers[] racers = [.. Enumerable.Range(0, 4).Select(_ => ActivatorUtilities.CreateInstance<ScheduleTriggers>(factory.Services))];
        await racers[0].TickAsync(CancellationToken.None);

        for (var occurrence = 0; occurrence < 3; occurrence++)
        {
            clock.Advance(TimeSpan.FromMinutes(15));
            await Task.WhenAll(racers.Select(r => Task.Run(async () =>
            {
                for (var i = 0; i < 4; i++)
                {
                    await r.TickAsync(CancellationToken.None);
                }
            })));
        }

        var runs = (await admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}"))!["items"]!.AsArray();
        var keys = await database.ScalarAsync<long>($"SELECT COUNT(DISTINCT \"IdempotencyKey\") FROM runs WHERE \"WorkflowId\" = '{workflow}'");

        Assert.Equal(3, runs.Count);
        Assert.Equal(3L, keys);
    }
}
