using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>An MCP server registered in the dashboard becomes nodes in the editor's palette.</summary>
[Collection(BrowserCollection.Name)]
public sealed class McpScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task McpServers_WhenServerEverythingIsRegistered_ItsToolsShowOnItsCardAndInThePalette()
    {
        var script = McpReferenceServers.Everything;
        var workflowId = await fixture.CreateWorkflowAsync($"Sum {Guid.NewGuid():N}"[..12], new
        {
            version = "1.0",
            nodes = new[] { new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 120 } } },
            edges = Array.Empty<object>(),
        });

        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/mcp-servers");
        await page.GetByTestId("register-server").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByTestId("server-name").FillAsync("Everything");
        // No id typed: the dialog derives "everything" from the name.
        await dialog.GetByTestId("server-transport").SelectOptionAsync("stdio");
        await dialog.GetByTestId("server-command").FillAsync("node");
        await dialog.GetByTestId("server-args").FillAsync($"\"{script}\" stdio");
        await dialog.GetByTestId("server-submit").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        // Listing the tools starts the stdio process; its card then shows the tools and a closed breaker.
        var card = page.GetByTestId("server-everything");
        await Expect(card.GetByTestId("tool-echo")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(card.GetByTestId("tool-get-sum")).ToBeVisibleAsync();
        await Expect(card.GetByTestId("server-health")).ToContainTextAsync("breaker closed", new() { Timeout = 15_000 });
        await Expect(card.GetByTestId("server-stats")).ToContainTextAsync("1 live connection", new() { Timeout = 15_000 });
        await card.GetByTestId("tool-get-sum").ClickAsync();
        var schema = card.GetByTestId("tool-schema");
        await Expect(schema).ToContainTextAsync("everything/get-sum");
        await Expect(schema.GetByTestId("tool-arg-a")).ToContainTextAsync("number");
        await Expect(schema.GetByTestId("tool-arg-b")).ToContainTextAsync("Second number");
        await Artifacts.ScreenshotAsync(page, "mcp-server-everything", output);

        await page.GotoAsync($"/workflows/{workflowId}");
        var palette = page.GetByRole(AriaRole.Complementary, new() { Name = "Node palette" });
        await Expect(palette.GetByRole(AriaRole.Heading, new() { Name = "MCP · everything" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("palette-problem")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("palette-mcp:everything/echo")).ToContainTextAsync("Echo Tool");
        await Expect(page.GetByTestId("palette-mcp:everything/get-sum")).ToContainTextAsync("Get Sum Tool");

        await page.GetByTestId("palette-mcp:everything/get-sum").DragToAsync(page.GetByTestId("canvas"), new() { TargetPosition = new() { X = 440, Y = 140 } });
        await Expect(page.GetByTestId("node-get_sum_1")).ToContainTextAsync("MCP · everything/get-sum");
        var arguments = page.GetByTestId("inspector").GetByTestId("tool-arguments");
        await Expect(arguments).ToContainTextAsync("First number");
        await arguments.Locator("input#f-a").FillAsync("2");
        await arguments.Locator("input#f-b").FillAsync("3");
        await Canvas.ConnectAsync(page, "start", "success", "get_sum_1", "in");
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("problem-count")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        await Artifacts.ScreenshotAsync(page, "editor-mcp-tool", output);

        // The form wrote typed arguments: the tool adds them when the workflow runs.
        await page.GetByTestId("save-button").ClickAsync();
        await page.GetByTestId("save-message").FillAsync("Add two numbers with server-everything");
        await page.GetByTestId("save-confirm").ClickAsync();
        await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
        await page.GetByTestId("run-button").ClickAsync();
        await page.GetByTestId("run-confirm").ClickAsync();
        // A client-side navigation (history.pushState): polled, not awaited as a document load.
        await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await page.GetByTestId("node-get_sum_1").ClickAsync();
        await Expect(page.GetByTestId("node-details")).ToContainTextAsync("The sum of 2 and 3 is 5.");
        await page.CloseAsync();
    }
}
