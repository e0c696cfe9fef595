using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>"Describe it": a workflow drafted from plain language onto the canvas, saved, refined in words, and run.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PlannerScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task DescribeIt_WhenARequestIsTyped_TheDraftIsOnTheCanvasSavesRefinesAsADiffAndRuns()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/workflows");
        await page.GetByTestId("describe-input").FillAsync("Check the stock of the drug with the pharmacy, then reply with it.");
        await page.GetByTestId("describe-submit").ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToHaveAttributeAsync("aria-label", "Draft workflow (not saved)", new() { Timeout = 30_000 });
        var canvas = dialog.GetByTestId("draft-canvas");
        await Expect(canvas).ToContainTextAsync("DRAFT");
        await Expect(canvas.GetByTestId("node-get_stock")).ToContainTextAsync("MCP · pharmacy/get_stock");
        await Expect(canvas.GetByTestId("node-reply")).ToBeVisibleAsync();
        await Expect(dialog.GetByTestId("draft-explanation")).ToContainTextAsync("pharmacy/get_stock");
        await Expect(dialog.GetByTestId("draft-assumptions")).ToContainTextAsync("input.drug");
        await Artifacts.ScreenshotAsync(page, "planner-draft", output);

        var name = $"Stock check {Guid.NewGuid():N}"[..20];
        await dialog.GetByTestId("draft-name").FillAsync(name);
        await dialog.GetByTestId("draft-save").ClickAsync();
        await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v1", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("node-get_stock")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("problem-count")).ToHaveCountAsync(0, new() { Timeout = 10_000 });

        // A refinement in words is shown as the version history's diff against v1, and is only a draft until saved.
        await (await EditorBar.ActionAsync(page, "describe-change")).ClickAsync();
        var refine = page.GetByRole(AriaRole.Dialog);
        await refine.GetByTestId("describe-input").FillAsync("add a 2-hour wait before the reply");
        await refine.GetByTestId("describe-submit").ClickAsync();
        var diff = refine.GetByTestId("diff-canvas");
        await Expect(diff.Locator("[data-change=added]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(diff.GetByTestId("diff-node-get_stock")).ToHaveAttributeAsync("data-change", "unchanged");
        await Expect(refine.GetByTestId("diff-legend")).ToContainTextAsync("added 1");
        await Artifacts.ScreenshotAsync(page, "planner-refinement-diff", output);
        await refine.GetByTestId("refine-accept").ClickAsync();
        await Expect(page.GetByTestId("draft-badge")).ToBeVisibleAsync();
        await Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(4);

        // Discarded by reloading: the saved v1 runs and answers with the stock the pharmacy server reports.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("draft-badge")).ToHaveCountAsync(0);
        await page.GetByTestId("run-button").ClickAsync();
        await page.GetByTestId("run-input").FillAsync("""{ "drug": "Amoxicillin 500 mg" }""");
        await page.GetByTestId("run-confirm").ClickAsync();
        await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await page.GetByTestId("node-get_stock").ClickAsync();
        await Expect(page.GetByTestId("node-details")).ToContainTextAsync("Amoxicillin 500 mg");
        await page.CloseAsync();
    }
}
