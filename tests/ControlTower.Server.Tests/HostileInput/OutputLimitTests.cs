using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>
/// Nothing oversized reaches a run's storage: a node output over <c>NODE_OUTPUT_MAX_BYTES</c> fails the node
/// (<c>node.output_too_large</c>), and an expression that would build more than the CEL output budget fails
/// where it builds it (<c>cel.output_too_large</c>) instead of writing megabytes into the run.
/// </summary>
public sealed class OutputLimitTests : IClassFixture<OutputLimitTests.App>
{
    private readonly App _app;

    public OutputLimitTests(App app) => _app = app;

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["NODE_OUTPUT_MAX_BYTES"] = "4096",
        });

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Run_WhenTransformOutputPassesTheNodeLimit_FailsWithOutputTooLargeAndStoresNothing()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("grow", "transform", new() { ["expression"] = "{'text': input.s + input.s + input.s}" })],
            [Edge("start", "grow")]));

        var run = await StartAsync(admin, workflow, new JsonObject { ["s"] = new string('z', 2000) });
        var finished = await WaitForStatusAsync(admin, run, "failed");

        Assert.Equal("node.output_too_large", finished["error"]!["code"]!.GetValue<string>());
        var attempts = (await admin.GetFromJsonAsync<JsonArray>($"/api/runs/{run}/nodes"))!;
        var grow = attempts.Single(a => a!["nodeId"]!.GetValue<string>() == "grow")!;
        Assert.Null(grow["output"]);
        Assert.DoesNotContain(new string('z', 4000), (await admin.GetStringAsync($"/api/runs/{run}/events")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenTransformOutputIsWithinTheNodeLimit_Succeeds()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("grow", "transform", new() { ["expression"] = "{'text': input.s + input.s}" })],
            [Edge("start", "grow")]));

        var run = await StartAsync(admin, workflow, new JsonObject { ["s"] = new string('z', 1000) });

        await WaitForStatusAsync(admin, run, "completed");
    }

    [Fact]
    public async Task Run_WhenTransformBuildsPastTheCelBudget_FailsWithCelOutputTooLarge()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var doubling = $"['{new string('x', 1000)}']" + string.Concat(Enumerable.Range(0, 5).Select(i => $".map(v{i}, [v{i}, v{i}, v{i}, v{i}, v{i}, v{i}, v{i}, v{i}])"));
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("grow", "transform", new() { ["expression"] = doubling })],
            [Edge("start", "grow")]));

        var run = await StartAsync(admin, workflow);
        var finished = await WaitForStatusAsync(admin, run, "failed");

        Assert.Equal("cel.output_too_large", finished["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task TestRuleSet_WhenConditionBuildsPastTheCelBudget_AnswersSmallWithTheCode()
    {
        using var admin = _app.Factory.CreateAdminClient();
        var condition = $"size(['{new string('x', 1000)}']" + string.Concat(Enumerable.Range(0, 5).Select(i => $".map(v{i}, [v{i}, v{i}, v{i}, v{i}, v{i}, v{i}, v{i}, v{i}])")) + ") > 0";
        var definition = new JsonObject { ["rules"] = new JsonArray(new JsonObject { ["id"] = "big", ["condition"] = condition, ["action"] = new JsonObject { ["type"] = "deny" } }) };
        (await admin.PostAsJsonAsync("/api/rule-sets", new { id = "budget", definition })).EnsureSuccessStatusCode();

        var response = await admin.PostAsJsonAsync("/api/rule-sets/budget/test", new { input = new { } });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(body.Length < 100_000, $"the answer is {body.Length} characters");
        Assert.Contains("cel.output_too_large", body, StringComparison.Ordinal);
    }
}
