using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static ControlTower.Browser.Tests.RunsListScenarioTests;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>A workflow's tabs (Editor, Runs, Versions, Settings), the Ctrl+K command palette, and the editor's generated forms.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WorkflowTabsScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Tabs_RunsVersionsAndSettings_AreRoutesUnderTheWorkflow()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var workflow = await CreateAsync(api, "Tabbed", Node("refused", "transform", new JsonObject { ["expression"] = "{'status': 'refused'}" }),
            new JsonObject { ["phases"] = new JsonObject { ["refused"] = "not_dispensed" } });
        await StartAsync(api, workflow);
        await WaitAsync(api, $"/api/runs?workflowId={workflow}&status=completed", 1);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflow}").ToString());
            var tabs = page.GetByTestId("workflow-tabs");
            await Expect(tabs.GetByRole(AriaRole.Link, new() { Name = "Editor" })).ToHaveAttributeAsync("aria-current", "page");

            await tabs.GetByRole(AriaRole.Link, new() { Name = "Runs" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/workflows/{workflow}/runs$"));
            await Expect(page.Locator("tbody tr[data-status='completed']")).ToHaveCountAsync(1);
            await Expect(page.GetByLabel("Filter by workflow")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("run-phase")).ToHaveAttributeAsync("data-outcome", "");
            await Artifacts.ScreenshotAsync(page, "workflow-tab-runs", output);

            await page.GetByTestId("workflow-tabs").GetByRole(AriaRole.Link, new() { Name = "Versions" }).ClickAsync();
            await Expect(page.GetByTestId("versions-tab")).ToContainTextAsync("v1");
            await Artifacts.ScreenshotAsync(page, "workflow-tab-versions", output);

            // Settings: declaring the phase a failure saves a new version, and the run list then says so.
            await page.GetByTestId("workflow-tabs").GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
            await page.GetByLabel("Outcome of phase not_dispensed").SelectOptionAsync("failure");
            var saveSettings = page.GetByRole(AriaRole.Button, new() { Name = "Save as a new version" });
            await saveSettings.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved as v2" })).ToBeVisibleAsync();
            await Expect(saveSettings).ToBeEnabledAsync();
            await Artifacts.ScreenshotAsync(page, "workflow-tab-settings", output);
            await StartAsync(api, workflow);
            await WaitAsync(api, $"/api/runs?workflowId={workflow}&status=completed", 2);

            await page.GetByTestId("workflow-tabs").GetByRole(AriaRole.Link, new() { Name = "Runs" }).ClickAsync();
            await Expect(page.Locator("[data-testid='run-phase'][data-outcome='failure']")).ToHaveCountAsync(1);
            await page.GetByTestId("workflow-tabs").GetByRole(AriaRole.Link, new() { Name = "Editor" }).ClickAsync();
            await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task CommandPalette_FromTheKeyboard_OpensAWorkflowAddsANodeAndGoesToAPage()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var workflow = await CreateAsync(api, "Palette target", Node("shape", "transform", new JsonObject { ["expression"] = "input" }), null);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, "workflows").ToString());
            await Expect(page.GetByTestId("palette-button")).ToBeVisibleAsync();
            await page.Keyboard.PressAsync("Control+k");
            var palette = page.GetByTestId("command-palette");
            await Expect(palette).ToBeVisibleAsync();
            await page.Keyboard.TypeAsync("palette target");
            await Expect(palette.GetByRole(AriaRole.Option).First).ToContainTextAsync("Go to workflow");
            await Artifacts.ScreenshotAsync(page, "palette-workflow", output);
            await page.Keyboard.PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new Regex($"/workflows/{workflow}$"));
            await Expect(page.GetByTestId("node-shape")).ToBeVisibleAsync();

            // In the editor the palette adds nodes: the chosen one lands on the canvas, selected.
            await page.Keyboard.PressAsync("Control+k");
            await page.Keyboard.TypeAsync("add delay");
            await Expect(palette.GetByRole(AriaRole.Option, new() { Selected = true })).ToContainTextAsync("Add Delay");
            await page.Keyboard.PressAsync("Enter");
            await Expect(palette).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("node-delay_1")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("inspector")).ToContainTextAsync("Seconds");
            await Artifacts.ScreenshotAsync(page, "palette-added-node", output);

            // Arrow keys choose among matches; Escape closes without acting.
            await page.Keyboard.PressAsync("Control+k");
            await page.Keyboard.TypeAsync("audit");
            await page.Keyboard.PressAsync("Escape");
            await Expect(palette).ToHaveCountAsync(0);
            await page.Keyboard.PressAsync("Control+k");
            await page.Keyboard.TypeAsync("run");
            var options = palette.GetByRole(AriaRole.Option);
            await Expect(options.First).ToHaveAttributeAsync("aria-selected", "true");
            await page.Keyboard.PressAsync("ArrowDown");
            await Expect(options.Nth(1)).ToHaveAttributeAsync("aria-selected", "true");
            await page.Keyboard.PressAsync("Escape");
            await page.Keyboard.PressAsync("Control+z");
            await Expect(page.GetByTestId("node-delay_1")).ToHaveCountAsync(0);
            await page.Keyboard.PressAsync("Control+k");
            await page.Keyboard.TypeAsync("Runs");
            await Expect(palette.GetByRole(AriaRole.Option, new() { Selected = true })).ToContainTextAsync("Go to page");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new Regex("/runs$"));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Forms_LabelFieldsReadably_ShowAnExpressionErrorOnce_AndAFailedSaveListsTheProblems()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var workflow = await CreateAsync(api, "Forms", Node("ask", "approval", new JsonObject { ["title"] = "Approve {{ input.rx }}" }), null);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflow}").ToString());
            await page.GetByTestId("node-ask").ClickAsync();
            var inspector = page.GetByTestId("inspector");
            await Expect(inspector.GetByText("Expires after seconds", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(inspector.GetByText("Allow self approval", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(inspector.GetByLabel("Instructions")).ToHaveAttributeAsync("placeholder", new Regex(@"^e\.g\. .*\{\{ input\."));
            await Artifacts.ScreenshotAsync(page, "editor-form-labels", output);

            // A broken template: its error shows under the field, not again in the node's problem list.
            var title = inspector.GetByTestId("cel-input").First;
            await title.FillAsync("Approve {{ input.( }}");
            await Expect(inspector.Locator(".field-error")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("problem-count")).ToBeVisibleAsync();
            await Expect(inspector.GetByLabel("Node problems")).ToHaveCountAsync(0);
            await Artifacts.ScreenshotAsync(page, "editor-expression-error-once", output);

            await page.GetByTestId("save-button").ClickAsync();
            await page.GetByTestId("save-confirm").ClickAsync();
            var problems = page.GetByTestId("error-problems");
            await Expect(problems).ToContainTextAsync("/nodes/1/config/title");
            await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { Has = problems })).Not.ToContainTextAsync("see 'problems'");
            await Artifacts.ScreenshotAsync(page, "editor-save-problems", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
