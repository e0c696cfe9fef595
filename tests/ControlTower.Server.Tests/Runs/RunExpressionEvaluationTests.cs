using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary><c>POST /api/runs/{id}/evaluate</c>: CEL and templates evaluated by the engine over a real run's input and node outputs.</summary>
public sealed class RunExpressionEvaluationTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["ENGINE_POLL_MILLISECONDS"] = "50" };

    [Fact]
    public async Task Evaluate_OverAFinishedRun_GivesTheValueOnItsDataAndEvaluationErrorsAsResults()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [Node("start", "trigger.manual"), Node("double", "transform", new() { ["expression"] = "{'total': input.amount * 2}" })],
            [Edge("start", "double")]));
        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["amount"] = 21 }), "completed", "failed");
        var id = run["id"]!.GetValue<Guid>();

        var sum = await EvaluateAsync(admin, id, new { expression = "nodes.double.output.total + input.amount" });
        var text = await EvaluateAsync(admin, id, new { expression = "Total {{ nodes.double.output.total }}", template = true });
        var missing = await EvaluateAsync(admin, id, new { expression = "input.nothing_here" });

        Assert.Equal(63, sum["value"]!.GetValue<int>());
        Assert.Equal("Total 42", text["value"]!.GetValue<string>());
        Assert.Null(missing["value"]);
        Assert.StartsWith("cel.", missing["errorCode"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_WithoutAnExpressionOrForAnUnknownRun_IsAProblem()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();

        using var empty = await admin.PostAsJsonAsync($"/api/runs/{Guid.NewGuid()}/evaluate", new { expression = "" });
        using var unknown = await admin.PostAsJsonAsync($"/api/runs/{Guid.NewGuid()}/evaluate", new { expression = "1 + 1" });

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (empty.StatusCode, unknown.StatusCode));
        Assert.Equal("run.not_found", (await unknown.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
    }

    private static async Task<JsonObject> EvaluateAsync(HttpClient client, Guid runId, object body)
    {
        using var response = await client.PostAsJsonAsync($"/api/runs/{runId}/evaluate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }
}
