using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// <c>GET /api/runs</c> over real HTTP: the status and creation-window filters, the business outcome a workflow declares
/// with <c>config.outcomes</c>, and ProblemDetails (never a 500) for filters that make no sense.
/// </summary>
public sealed class RunListFilterTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["ENGINE_POLL_MILLISECONDS"] = "50" };

    private static JsonObject OutcomeGraph() => Graph(
        [
            Node("start", "trigger.manual"),
            Node("ok", "condition", new() { ["expression"] = "input.ok" }),
            Node("done", "transform", new() { ["expression"] = "{'status': 'done'}" }),
            Node("refused", "transform", new() { ["expression"] = "{'status': 'refused'}" }),
        ],
        [Edge("start", "ok"), Edge("ok", "done", "true"), Edge("ok", "refused", "false")],
        new JsonObject
        {
            ["phases"] = new JsonObject { ["done"] = "completed", ["refused"] = "failed" },
            ["outcomes"] = new JsonObject { ["completed"] = "success", ["failed"] = "failure" },
        });

    [Fact]
    public async Task List_WhenAWorkflowDeclaresOutcomes_EachRunCarriesTheOutcomeOfItsPhase()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, OutcomeGraph());
        var good = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["ok"] = true }), "completed", "failed");
        var refused = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["ok"] = false }), "completed", "failed");

        var items = await ListAsync(admin, $"workflowId={workflow}&status=completed");

        Assert.Equal(("completed", "completed"), (good.Status(), refused.Status()));
        Assert.Equal("success", items.Single(r => r["id"]!.GetValue<Guid>() == good["id"]!.GetValue<Guid>())["outcome"]!.GetValue<string>());
        Assert.Equal("failure", items.Single(r => r["id"]!.GetValue<Guid>() == refused["id"]!.GetValue<Guid>())["outcome"]!.GetValue<string>());
        Assert.Equal("failure", (await GetRunAsync(admin, refused["id"]!.GetValue<Guid>()))["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_WithAStatusAndACreationWindow_ReturnsOnlyTheRunsInside()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, OutcomeGraph());
        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["ok"] = true }), "completed", "failed");
        var created = run["createdAt"]!.GetValue<DateTimeOffset>();
        string At(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

        var inside = await ListAsync(admin, $"workflowId={workflow}&from={At(created.AddSeconds(-1))}&to={At(created.AddSeconds(1))}");
        var before = await ListAsync(admin, $"workflowId={workflow}&to={At(created)}");
        var after = await ListAsync(admin, $"workflowId={workflow}&from={At(created.AddMilliseconds(1))}");
        var failed = await ListAsync(admin, $"workflowId={workflow}&status=failed");

        Assert.Single(inside);
        Assert.Equal((0, 0, 0), (before.Count, after.Count, failed.Count));
    }

    [Theory]
    [InlineData("status=finished")]
    [InlineData("status=COMPLETED")]
    [InlineData("from=2026-12-09T00:00:00Z&to=2026-12-08T00:00:00Z")]
    [InlineData("from=2026-12-09T00:00:00Z&to=2026-12-09T00:00:00Z")]
    [InlineData("from=yesterday")]
    [InlineData("to=2026-13-45")]
    public async Task List_WithAFilterThatMakesNoSense_IsAProblemDetails400(string query)
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();

        using var response = await admin.GetAsync($"/api/runs?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<List<JsonObject>> ListAsync(HttpClient client, string query) =>
        [.. (await client.GetFromJsonAsync<JsonObject>($"/api/runs?{query}"))!["items"]!.AsArray().Select(r => r!.AsObject())];
}
