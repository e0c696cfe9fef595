using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// The runs list: filtered by status (server-side), the selected waiting runs cancelled in bulk, and a run that completed
/// its graph with a failure outcome shown as such rather than as a green "completed".
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RunsListScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Runs_FilteredByStatus_SelectedRunsAreCancelledInBulk_AndAFailureOutcomeIsNotGreen()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var waiting = await CreateAsync(api, "Waits an hour", Node("wait", "delay", new JsonObject { ["seconds"] = 3600 }), null);
        var refusing = await CreateAsync(api, "Refuses", Node("refused", "transform", new JsonObject { ["expression"] = "{'status': 'refused'}" }),
            new JsonObject { ["phases"] = new JsonObject { ["refused"] = "not_dispensed" }, ["outcomes"] = new JsonObject { ["not_dispensed"] = "failure" } });
        for (var i = 0; i < 3; i++)
        {
            await StartAsync(api, waiting);
        }

        var refused = await StartAsync(api, refusing);
        await WaitAsync(api, $"/api/runs?workflowId={waiting}&status=waiting", 3);
        await WaitAsync(api, $"/api/runs?workflowId={refusing}&status=completed", 1);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, "runs").ToString());
            await page.GetByLabel("Filter by workflow").SelectOptionAsync(waiting);
            await page.GetByLabel("Filter by status").SelectOptionAsync("waiting");
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("status=waiting"));
            var rows = page.GetByTestId("runs-table").Locator("tbody tr");
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(page.Locator("tbody tr[data-status='waiting']")).ToHaveCountAsync(3);

            await page.GetByLabel("Select every run on this page").CheckAsync();
            await Expect(page.GetByTestId("bulk-bar")).ToContainTextAsync("3 selected");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry 0 failed" })).ToBeDisabledAsync();
            await Artifacts.ScreenshotAsync(page, "runs-filtered-selected", output);
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel 3 unfinished" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Cancelled 3 runs" })).ToBeVisibleAsync();
            await Expect(rows).ToHaveCountAsync(0);

            await page.GetByLabel("Filter by status").SelectOptionAsync("cancelled");
            await Expect(page.Locator("tbody tr[data-status='cancelled']")).ToHaveCountAsync(3);
            await Artifacts.ScreenshotAsync(page, "runs-bulk-cancelled", output);

            await page.GetByLabel("Filter by workflow").SelectOptionAsync(refusing);
            await page.GetByLabel("Filter by status").SelectOptionAsync("completed");
            var outcome = page.Locator($"tbody tr:has(a[href='/runs/{refused}']) [data-testid='run-phase']");
            await Expect(outcome).ToHaveAttributeAsync("data-outcome", "failure");
            await Expect(outcome).ToContainTextAsync("not dispensed");
            await Expect(page.Locator($"tbody tr:has(a[href='/runs/{refused}']) [data-testid='run-status'] .badge")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("tone-ok"));
            await Artifacts.ScreenshotAsync(page, "runs-failure-outcome", output);

            // A finished run's view offers neither Cancel nor Retry.
            await page.GotoAsync(new Uri(server.BaseAddress, $"runs/{refused}").ToString());
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("retry-button")).ToHaveCountAsync(0);
        }
        finally
        {
            await page.CloseAsync();
        }

        // The filters are checked on the server too.
        using var bad = await api.GetAsync("/api/runs?status=finished");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    internal static JsonObject Node(string id, string type, JsonObject config, int x = 260) =>
        new() { ["id"] = id, ["type"] = type, ["config"] = config, ["position"] = new JsonObject { ["x"] = x, ["y"] = 0 } };

    /// <summary>A workflow of a manual trigger followed by <paramref name="node"/>.</summary>
    internal static async Task<string> CreateAsync(HttpClient api, string name, JsonObject node, JsonObject? config)
    {
        var graph = new JsonObject
        {
            ["version"] = "1.0",
            ["nodes"] = new JsonArray(Node("start", "trigger.manual", new JsonObject(), 0), node),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = node["id"]!.GetValue<string>(), ["sourceHandle"] = "success", ["targetHandle"] = "in" }),
        };
        if (config is not null)
        {
            graph["config"] = config;
        }

        using var created = await api.PostAsJsonAsync("/api/workflows", new JsonObject { ["name"] = $"{name} {Guid.NewGuid():N}"[..(name.Length + 7)], ["graph"] = graph });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["workflow"]!["id"]!.GetValue<string>();
    }

    internal static async Task<string> StartAsync(HttpClient api, string workflowId)
    {
        using var started = await api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { } });
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    internal static async Task WaitAsync(HttpClient api, string query, int count)
    {
        for (var i = 0; i < 120; i++)
        {
            var page = await api.GetFromJsonAsync<JsonObject>(query);
            if (page!["items"]!.AsArray().Count >= count)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{query} did not list {count} runs");
    }
}
