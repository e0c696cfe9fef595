using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ControlTower.Server.Tests.Demo.DemoScenarioTests;

namespace ControlTower.Server.Tests.Demo;

/// <summary>
/// The pharmacist's verification is the dispense's own approval: once the dispense scope is at <c>guarded_auto</c>, a
/// routine refill completes with nobody, while the rules still send a controlled substance to a person.
/// </summary>
public sealed class DemoScenarioTrustTests : IDisposable
{
    private readonly DemoFixture _demo = new();

    public void Dispose() => _demo.Dispose();

    [Fact]
    public async Task Start_WhenTheDispenseScopeIsAtGuardedAuto_CompletesARoutineRefillWithNobodyButNotAControlledOne()
    {
        await _demo.SeedSettledAsync();
        var key = Uri.EscapeDataString("acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist");
        (await _demo.Admin.PutAsJsonAsync($"/api/trust/scopes/{key}/pin", new { stage = "guarded_auto", reason = "test: the scope has earned it" })).EnsureSuccessStatusCode();

        var (routine, routineDecisions) = await RunToEndAsync(_demo.Admin, await StartAsync(_demo.Admin, "happy_path"), reject: false);
        var (controlled, controlledDecisions) = await RunToEndAsync(_demo.Admin, await StartAsync(_demo.Admin, "controlled_substance"), reject: false);

        Assert.Equal(("completed", 0), (routine["phase"]!.GetValue<string>(), routineDecisions.Count));
        var execution = (await _demo.Admin.GetFromJsonAsync<JsonObject>($"/api/executions/{routine["output"]!["body"]!["executionId"]!.GetValue<Guid>()}"))!;
        Assert.Equal("trust:guarded_auto", execution["authorizedBy"]!.GetValue<string>());
        var change = Assert.Single(execution["diff"]!.AsArray())!;
        Assert.Equal(30, change["before"]!.GetValue<int>() - change["after"]!.GetValue<int>());
        Assert.Equal(("completed", 1), (controlled["phase"]!.GetValue<string>(), controlledDecisions.Count));
    }
}
