using System.Net.Http.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The dashboard driven as a person would, in Debian's Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Editor_WhenThreeNodesAreDraggedConnectedSavedAndRun_RunCompletesLive()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/workflows");
        await page.GetByTestId("new-workflow").ClickAsync();
        await page.GetByTestId("workflow-name").FillAsync($"Greeting {Guid.NewGuid():N}"[..20]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and open editor" }).ClickAsync();
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();

        var canvas = page.GetByTestId("canvas");
        await page.GetByTestId("palette-transform").DragToAsync(canvas, new() { TargetPosition = new() { X = 440, Y = 200 } });
        await Expect(page.GetByTestId("node-transform_1")).ToBeVisibleAsync();
        await page.GetByTestId("inspector").GetByTestId("cel-input").First.FillAsync("{\"greeting\": \"Hello, \" + input.name}");
        await Expect(page.GetByTestId("inspector").GetByText("✓ valid")).ToBeVisibleAsync();

        await page.GetByTestId("palette-delay").DragToAsync(canvas, new() { TargetPosition = new() { X = 440, Y = 600 } });
        await Expect(page.GetByTestId("node-delay_1")).ToBeVisibleAsync();
        await page.GetByTestId("inspector").GetByLabel(new System.Text.RegularExpressions.Regex("^Seconds")).FillAsync("3");

        await Canvas.ConnectAsync(page, "start", "success", "transform_1", "in");
        await Canvas.ConnectAsync(page, "transform_1", "success", "delay_1", "in");
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("problem-count")).ToHaveCountAsync(0, new() { Timeout = 10_000 });

        await page.GetByTestId("save-button").ClickAsync();
        await page.GetByTestId("save-message").FillAsync("Greet, then wait");
        await page.GetByTestId("save-confirm").ClickAsync();
        await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
        await Artifacts.ScreenshotAsync(page, "editor-three-nodes", output);

        await (await EditorBar.ActionAsync(page, "history-button")).ClickAsync();
        await Expect(page.GetByTestId("diff")).ToContainTextAsync("node added");
        await Expect(page.GetByTestId("diff")).ToContainTextAsync("transform_1");
        await Artifacts.ScreenshotAsync(page, "version-diff", output);
        await page.Keyboard.PressAsync("Escape");

        await page.GetByTestId("run-button").ClickAsync();
        await page.GetByTestId("run-input").FillAsync("{\"name\": \"Ada\"}");
        await page.GetByTestId("run-confirm").ClickAsync();
        // A client-side navigation (history.pushState): polled, not awaited as a document load.
        await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });

        // Live from the event stream: the delay waits on its timer while the run is open, then everything completes.
        await Expect(page.Locator("[data-testid='node-delay_1'][data-status='waiting']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-testid='node-transform_1'][data-status='succeeded']")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "run-live-waiting", output);
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Artifacts.ScreenshotAsync(page, "run-completed", output);
        await Expect(page.Locator("[data-testid='node-delay_1'][data-status='succeeded']")).ToBeVisibleAsync();
        // Triggers do not execute; the transform and the delay each ran one attempt.
        await Expect(page.GetByTestId("gantt").Locator(".gantt-bar")).ToHaveCountAsync(2);
        await page.GetByTestId("node-transform_1").ClickAsync();
        await Expect(page.GetByTestId("node-details")).ToContainTextAsync("Hello, Ada");
        await Artifacts.ScreenshotAsync(page, "run-completed", output);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Credentials_WhenASecretIsCreated_ItNeverAppearsInThePageOrAnyResponse()
    {
        var secret = $"s3cr3t-{Guid.NewGuid():N}";
        var page = await fixture.Context.NewPageAsync();
        var leaks = new List<string>();
        var responses = new List<Task>();
        page.Response += (_, response) => responses.Add(CheckResponseAsync(response, secret, leaks));

        await page.GotoAsync("/credentials");
        await page.GetByTestId("new-credential").ClickAsync();
        await page.GetByTestId("credential-name").FillAsync("Billing API token");
        await page.GetByTestId("credential-type").SelectOptionAsync("bearer_token");
        await page.GetByTestId("credential-token").FillAsync(secret);
        await page.GetByTestId("credential-submit").ClickAsync();

        await Expect(page.GetByTestId("credential-row").Filter(new() { HasText = "Billing API token" }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Expect(page.GetByTestId("credential-row").Filter(new() { HasText = "Billing API token" }).First).ToBeVisibleAsync();
        await Task.WhenAll(responses.ToArray());

        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage)"), StringComparison.Ordinal);
        Assert.True(responses.Count > 0, "no response was observed");
        Assert.Empty(leaks);
        await Artifacts.ScreenshotAsync(page, "credentials", output);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Audit_WhenVerified_ShowsTheChainIntact()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/audit");
        await Expect(page.GetByTestId("audit-table")).ToBeVisibleAsync();
        await page.GetByTestId("verify").ClickAsync();
        await Expect(page.GetByTestId("verification")).ToContainTextAsync("Chain intact");
        await Expect(page.GetByTestId("verification")).ToContainTextAsync("entries checked");
        await Artifacts.ScreenshotAsync(page, "audit-verified", output);
        await page.CloseAsync();
    }

    [Fact]
    public async Task WorkflowList_With500Workflows_ShowsTheFirstPageAndTheTotal()
    {
        var graph = new { version = "1.0", nodes = new[] { new { id = "start", type = "trigger.manual", config = new { } } }, edges = Array.Empty<object>() };
        using (var gate = new SemaphoreSlim(4))
        {
            await Task.WhenAll(Enumerable.Range(1, 500).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await fixture.CreateWorkflowAsync($"Bulk workflow {i:D3}", graph);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var count = (await fixture.Api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/workflows")).GetArrayLength();
        Assert.True(count >= 500, $"{count} workflows");

        // How fast it draws is measured by the dashboard benchmark (bench: `-- dashboard`), never asserted here.
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/workflows");
        await Expect(page.GetByTestId("workflow-table").Locator("tbody tr")).ToHaveCountAsync(50);
        await Expect(page.GetByText($"Showing 50 of {count}")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "workflows-500", output);
        await page.CloseAsync();
    }

    [Fact]
    public async Task DeepLink_WhenOpenedDirectly_ServesTheDashboardButUnknownApiStays404()
    {
        var page = await fixture.Context.NewPageAsync();
        var response = await page.GotoAsync("/runs?status=failed");
        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("identity")).ToContainTextAsync("admin");
        using var api = await fixture.Api.GetAsync("/api/not-a-route");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        await page.CloseAsync();
    }

    [Fact]
    public async Task RunView_WhenTheRunFailed_ShowsTheErrorAndRetriesFromTheFailedNode()
    {
        var workflowId = await fixture.CreateWorkflowAsync($"Refund check {Guid.NewGuid():N}"[..21], new
        {
            version = "1.0",
            nodes = new object[]
            {
                new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 0 } },
                new { id = "reject", type = "fail", config = new { code = "refund.too_large", message = "Refund of {{ input.amount }} is over the limit" }, position = new { x = 260, y = 0 } },
            },
            edges = new[] { new { source = "start", target = "reject", sourceHandle = "success", targetHandle = "in" } },
        });
        using var started = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { amount = 900 } });
        started.EnsureSuccessStatusCode();
        var runId = (await started.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();

        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync($"/runs/{runId}");
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid='node-reject'][data-status='failed']")).ToBeVisibleAsync();
        // Other alerts (an SLO page from earlier failures) may share the screen; the run's own alert names its error code.
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "refund.too_large" })).ToBeVisibleAsync();
        await page.GetByTestId("node-reject").ClickAsync();
        await Expect(page.GetByTestId("node-details")).ToContainTextAsync("Refund of 900 is over the limit");
        await Artifacts.ScreenshotAsync(page, "run-failed", output);

        await page.GetByTestId("retry-button").ClickAsync();
        await Expect(page.GetByText("Retrying from the failed node")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        await page.CloseAsync();
    }

    [Fact]
    public async Task Theme_WhenToggled_SwitchesToDarkAndRemembersIt()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/runs");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.GetByTestId("runs-table")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "runs-dark", output);
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
        await page.CloseAsync();
    }

    private static async Task CheckResponseAsync(IResponse response, string secret, List<string> leaks)
    {
        try
        {
            var body = await response.TextAsync();
            if (body.Contains(secret, StringComparison.Ordinal))
            {
                lock (leaks)
                {
                    leaks.Add($"{response.Request.Method} {response.Url}");
                }
            }
        }
        catch (PlaywrightException)
        {
            // Redirects and aborted requests have no body to leak.
        }
    }
}
