using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Leases under a slow database: a late heartbeat must not make a process run its own attempt twice.</summary>
public sealed class RunLeaseTests
{
    [Fact]
    public async Task Worker_WhenItsOwnLeaseRunsOutMidAttempt_DoesNotRunTheAttemptAgain()
    {
        await using var endpoint = await CountingEndpoint.StartAsync(maxDelay: TimeSpan.FromSeconds(3), minDelay: TimeSpan.FromSeconds(3));
        var clock = new FakeWallClock();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["HTTP_NODE_ALLOW"] = "127.0.0.1",
            // Heartbeats every 20 s of real time: none comes while the clock jumps past the lease.
            ["ENGINE_LEASE_SECONDS"] = "60",
            ["ENGINE_POLL_MILLISECONDS"] = "20",
        }).WithServices(services => services.AddSingleton<TimeProvider>(clock));
        using var client = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(client, Graph(
            [
                Node("start", "trigger.manual"),
                Node("charge", "http.request", new() { ["method"] = "POST", ["url"] = $"{endpoint.BaseUrl}/effects/charge", ["body"] = "{'order': 1}" }),
            ],
            [Edge("start", "charge")]));
        var runId = await StartAsync(client, workflow);
        await WaitUntilAsync(() => endpoint.Deliveries.Count == 1);

        // The attempt is in flight and its lease now looks expired, as after a heartbeat stuck behind a busy database.
        clock.Advance(TimeSpan.FromSeconds(61));
        var run = await WaitForStatusAsync(client, runId, "completed");
        var events = await EventsAsync(client, runId);

        Assert.Equal(1, endpoint.Deliveries[$"{runId}:charge:1"]);
        Assert.Equal(1, run["output"]!["charge"]!["body"]!["effect"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e["seq"]!.GetValue<long>()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(20);
        }
    }
}
