using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Two transitions of one run racing on PostgreSQL or MySQL (SQLite's write transactions are serial, so it cannot happen there).</summary>
public sealed class RunTransitionRaceTests
{
    [Theory]
    [InlineData("postgres", "UPDATE runs SET")]
    [InlineData("mysql", "UPDATE `runs` SET")]
    public async Task Apply_WhenARacingTransitionCommittedFirst_AppliesItAgainWithTheNextNumbers(string provider, string runUpdate)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        await using var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(postgres: postgres, mysql: mysql);
        // A transition writes the run row first (its version check), then its numbered events.
        var firstWrite = CommandStop.Before(sql => sql.Contains(runUpdate, StringComparison.Ordinal), armed: false);
        factory.WithServices(s => s.ConfigureDbContext<ControlTowerDbContext>(o => o.AddInterceptors(firstWrite)));
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 3600 })],
            [Edge("start", "wait")]));
        var runId = await StartAsync(admin, workflow);
        await WaitForStatusAsync(admin, runId, "waiting");
        var transitions = factory.Services.GetRequiredService<RunTransitions>();

        firstWrite.Arm();
        var slow = Task.Run(() => transitions.ApplyAsync(runId, _ => null, null, CancellationToken.None, [Note("slow")]));
        await firstWrite.Reached.WaitAsync(TimeSpan.FromSeconds(60)); // it has read the run and numbered its event
        await transitions.ApplyAsync(runId, _ => null, null, CancellationToken.None, [Note("fast")]);
        firstWrite.Resume();
        await slow.WaitAsync(TimeSpan.FromSeconds(60));

        var events = await EventsAsync(admin, runId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e["seq"]!.GetValue<long>()));
        var notes = events.Select(e => e["data"]?["note"]?.GetValue<string>()).OfType<string>().ToList();
        Assert.Equal(["fast", "slow"], notes);
    }

    private static JsonObject Note(string text) => new() { ["kind"] = "progress", ["note"] = text };
}
