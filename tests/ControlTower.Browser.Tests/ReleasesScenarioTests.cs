using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The workflow view's Releases panel: a shadow's per-node diffs, a canary's share against stable, and a rollback clicked in the panel.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReleasesScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task ReleasesPanel_WhenAShadowRanAndACanaryIsLive_ShowsBothAndRollsBackInOneClick()
    {
        var workflowId = await fixture.CreateWorkflowAsync($"Refill fee {Guid.NewGuid():N}"[..19], Pricing("{'fee': 0}"));
        await SaveAsync(workflowId, Pricing("{'fee': input.n % 2}"), "odd refills pay a fee");
        await SaveAsync(workflowId, Failing(), "the fee lookup fails on even refills");
        await PutReleaseAsync(workflowId, new { mode = "direct", version = 1 });

        await PutReleaseAsync(workflowId, new { mode = "shadow", version = 2, reason = "watch the fee on live refills" });
        for (var n = 1; n <= 4; n++)
        {
            await StartAsync(workflowId, n, $"shadowed-{n}");
        }

        await WaitForShadowAsync(workflowId, compared: 4);
        await PutReleaseAsync(workflowId, new { mode = "canary", version = 3, steps = new[] { 30, 60 }, stepPauseSeconds = 3600, minRunsPerStep = 50, reason = "ramp the fee lookup" });
        for (var n = 1; n <= 24; n++)
        {
            await StartAsync(workflowId, n, $"refill-{n}");
        }

        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync($"/workflows/{workflowId}");
        await (await EditorBar.ActionAsync(page, "releases-button")).ClickAsync();
        var panel = page.GetByTestId("releases-panel");
        await Expect(panel.GetByTestId("release-candidate")).ToHaveTextAsync("v3");
        await Expect(panel.GetByTestId("canary-share")).ToContainTextAsync("30%");
        await Expect(panel.GetByTestId("canary-stable")).ToContainTextAsync("v1");
        await Expect(panel.GetByTestId("canary-candidate")).ToContainTextAsync("v3");
        await Expect(panel.GetByTestId("shadow-summary")).ToContainTextAsync("4 compared, 2 with differences");
        await Expect(panel.GetByTestId("shadow-node-total")).ToContainTextAsync("2");
        await Expect(panel.GetByTestId("shadow-node-lookup")).ToContainTextAsync("0");
        var screenshot = await Artifacts.ScreenshotAsync(page, "releases-panel", output);
        Assert.True(File.Exists(screenshot));

        await panel.GetByTestId("release-rollback").ClickAsync();
        await Expect(panel.GetByTestId("release-stable")).ToHaveTextAsync("v1 takes new runs");
        await Expect(panel.GetByTestId("release-candidate")).ToHaveCountAsync(0);
        await Expect(panel.GetByTestId("canary-comparison")).ToHaveCountAsync(0);
        await page.CloseAsync();

        var audit = await fixture.Api.GetStringAsync($"/api/audit?action=workflow.release_rolled_back&target=workflow:{workflowId}");
        Assert.Contains("\"toVersion\":1", audit, StringComparison.Ordinal);
    }

    private static object Pricing(string feeExpression) => Graph(
        [Node("start", "trigger.manual", 0), Node("lookup", "transform", 250, new { expression = "{'price': 7}" }), Node("total", "transform", 500, new { expression = feeExpression })],
        [Edge("start", "lookup"), Edge("lookup", "total")]);

    private static object Failing() => Graph(
        [
            Node("start", "trigger.manual", 0), Node("lookup", "transform", 250, new { expression = "{'price': 7}" }),
            Node("check", "condition", 500, new { expression = "input.n % 2 == 0" }),
            Node("boom", "fail", 750, new { code = "refill.fee_lookup_failed", message = "the fee service timed out" }),
            Node("total", "transform", 750, new { expression = "{'fee': 1}" }),
        ],
        [Edge("start", "lookup"), Edge("lookup", "check"), Edge("check", "boom", "true"), Edge("check", "total", "false")]);

    private async Task SaveAsync(string workflowId, object graph, string message)
    {
        using var response = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/versions", new { graph, message });
        response.EnsureSuccessStatusCode();
    }

    private async Task PutReleaseAsync(string workflowId, object body)
    {
        using var response = await fixture.Api.PutAsJsonAsync($"/api/workflows/{workflowId}/release", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task StartAsync(string workflowId, int n, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/runs") { Content = JsonContent.Create(new { input = new { n } }) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await fixture.Api.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString() is not ("completed" or "failed"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not finish");
            await Task.Delay(100);
        }
    }

    private async Task WaitForShadowAsync(string workflowId, int compared)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflowId}/release/shadow-report")).GetProperty("compared").GetInt32() < compared)
        {
            Assert.True(DateTime.UtcNow < deadline, "the shadows were not compared in time");
            await Task.Delay(250);
        }
    }

    private static object Graph(object[] nodes, object[] edges) => new { version = "1.0", nodes, edges };

    private static object Node(string id, string type, int x, object? config = null) => new { id, type, config = config ?? new { }, position = new { x, y = 100 } };

    private static object Edge(string source, string target, string handle = "success") => new { source, target, sourceHandle = handle, targetHandle = "in" };
}
