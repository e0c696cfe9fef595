using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>Debugging with data: a pinned output used by a test run instead of calling the tool, a single-node run, autocomplete.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PinnedDataScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Editor_WhenAToolOutputIsPinned_TestRunsAndSingleNodeRunsDoNotCallTheTool()
    {
        using var counter = LoopbackCounter.Start();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["HTTP_NODE_ALLOW"] = "127.0.0.1" });
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var workflowId = await CreateAsync(api, counter.Url);

        // A first, ordinary run calls the endpoint once: its output is what gets pinned.
        await RunToEndAsync(api, workflowId, new { input = new { rx = "RX-9" } });
        Assert.Equal(1, counter.Calls);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflowId}").ToString());
            await page.GetByTestId("node-stock").ClickAsync();
            await page.GetByTestId("pin-last").ClickAsync();
            await Expect(page.GetByTestId("pinned-output")).ToContainTextAsync("on_hand");
            await Expect(page.GetByTestId("node-stock")).ToContainTextAsync("pinned");
            await Artifacts.ScreenshotAsync(page, "editor-pinned-output", output);

            // A test run from the Run dialog: the pinned node answers with its pin, the endpoint is not called.
            await page.GetByTestId("run-button").ClickAsync();
            await Expect(page.GetByTestId("run-use-pins")).ToBeCheckedAsync();
            await page.GetByTestId("run-input").FillAsync("{\"rx\": \"RX-10\"}");
            await page.GetByTestId("run-confirm").ClickAsync();
            await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("test-run")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            await page.GetByTestId("node-shape").ClickAsync();
            await Expect(page.GetByTestId("node-details")).ToContainTextAsync("RX-10");
            await Artifacts.ScreenshotAsync(page, "run-test-pinned", output);
            Assert.Equal(1, counter.Calls);

            // One node run alone on the last run's input.
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflowId}").ToString());
            await page.GetByTestId("node-shape").ClickAsync();
            await page.GetByTestId("run-single").ClickAsync();
            await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            await Expect(page.Locator("[data-testid='node-shape'][data-status='succeeded']")).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "run-single-node", output);
            Assert.Equal(1, counter.Calls);

            // Expression fields complete the upstream node's output fields from the last run.
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflowId}").ToString());
            await page.GetByTestId("node-shape").ClickAsync();
            var expression = page.GetByTestId("inspector").GetByTestId("cel-input").First;
            await expression.FillAsync("");
            await expression.PressSequentiallyAsync("nodes.stock.output.");
            var suggestions = page.GetByTestId("cel-suggestions");
            await Expect(suggestions).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "editor-autocomplete", output);
            await suggestions.GetByRole(AriaRole.Button).First.ClickAsync();
            await Expect(expression).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"^nodes\.stock\.output\.\w+$"));
            await page.Locator(".react-flow__pane").ClickAsync(new() { Position = new() { X = 20, Y = 300 } });

            // The typed path and the picked completion are one undo step or two, by the pause between them (a step
            // is recorded after 350 ms without change): undo takes them back to the saved graph in at most two.
            var saved = page.GetByText("saved", new() { Exact = true });
            await page.Keyboard.PressAsync("Control+z");
            if (!await saved.IsVisibleAsync())
            {
                await page.Keyboard.PressAsync("Control+z");
            }

            await Expect(saved).ToBeVisibleAsync();
        }
        finally
        {
            await page.CloseAsync();
        }

        // Pins travel only with a test run, and only on the version's non-trigger nodes; an ordinary run calls the tool.
        await RunToEndAsync(api, workflowId, new { input = new { rx = "RX-11" } });
        Assert.Equal(2, counter.Calls);
        using var refused = await api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { }, pins = new Dictionary<string, object> { ["start"] = new { } } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("run.pin_invalid", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> CreateAsync(HttpClient api, string url)
    {
        using var created = await api.PostAsJsonAsync("/api/workflows", new
        {
            name = $"Stock check {Guid.NewGuid():N}"[..20],
            graph = new
            {
                version = "1.0",
                nodes = new object[]
                {
                    new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 0 } },
                    new { id = "stock", type = "http.request", config = new { url }, position = new { x = 260, y = 0 } },
                    new { id = "shape", type = "transform", config = new { expression = "{'rx': input.rx, 'stock': nodes.stock.output}" }, position = new { x = 520, y = 0 } },
                },
                edges = new[]
                {
                    new { source = "start", target = "stock", sourceHandle = "success", targetHandle = "in" },
                    new { source = "stock", target = "shape", sourceHandle = "success", targetHandle = "in" },
                },
            },
        });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["workflow"]!["id"]!.GetValue<string>();
    }

    private static async Task RunToEndAsync(HttpClient api, string workflowId, object body)
    {
        using var started = await api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", body);
        var text = await started.Content.ReadAsStringAsync();
        Assert.True(started.IsSuccessStatusCode, text);
        var runId = JsonNode.Parse(text)!["id"]!.GetValue<string>();
        for (var i = 0; i < 120; i++)
        {
            var run = await api.GetFromJsonAsync<JsonNode>($"/api/runs/{runId}");
            if ((string?)run!["status"] == "completed")
            {
                return;
            }

            Assert.NotEqual("failed", (string?)run["status"]);
            await Task.Delay(250);
        }

        throw new TimeoutException($"run {runId} did not complete");
    }
}
