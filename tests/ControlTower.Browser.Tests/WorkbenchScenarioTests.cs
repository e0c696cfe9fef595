using System.Net.Http.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The pages around the editor: rules tested with their hits explained, templates, the kill-switch banner.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WorkbenchScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Rules_WhenTheDispenseRuleSetIsTested_TheHitIsExplained()
    {
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync("/rules");
            await page.GetByTestId("rule-set-pharmacy-dispense").ClickAsync();
            await Expect(page.GetByTestId("rules-table")).ToContainTextAsync("large_quantity");
            await page.GetByTestId("rule-test-input").FillAsync("{\"actionType\": \"dispense\", \"arguments\": {\"quantity\": 90}, \"input\": {\"controlled\": false}}");
            await page.GetByTestId("rule-test-run").ClickAsync();
            var result = page.GetByTestId("rule-test-result");
            await Expect(result).ToContainTextAsync("1 hit");
            await Expect(result).ToContainTextAsync("requires approval");
            await Expect(page.GetByTestId("rule-why-large_quantity")).ToContainTextAsync("arguments.quantity > 60");
            await Expect(page.GetByTestId("rule-why-large_quantity")).ToContainTextAsync("quantity over 60");
            await Expect(page.GetByTestId("rule-why-controlled_substance")).ToContainTextAsync("no hit");
            await Artifacts.ScreenshotAsync(page, "rules-test", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task NewWorkflow_FromTheWebhookTemplate_OpensWithItsThreeSteps()
    {
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync("/workflows");
            await page.GetByTestId("new-workflow").ClickAsync();
            await page.GetByTestId("workflow-name").FillAsync($"From template {Guid.NewGuid():N}"[..22]);
            await page.GetByTestId("template-webhook-tool-reply").CheckAsync();
            await Expect(page.GetByTestId("template-tool-0")).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "templates", output);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create and open editor" }).ClickAsync();
            await Expect(page.GetByTestId("node-webhook")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("node-call_tool")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("node-reply")).ToBeVisibleAsync();
            await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
            await Artifacts.ScreenshotAsync(page, "template-webhook-tool-reply", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task KillSwitch_WhileEngaged_EveryPageShowsTheBanner()
    {
        var page = await fixture.Context.NewPageAsync();
        try
        {
            using var engaged = await fixture.Api.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "banner check" });
            engaged.EnsureSuccessStatusCode();
            await page.GotoAsync("/workflows");
            await Expect(page.GetByTestId("kill-banner")).ToContainTextAsync("banner check");
            await page.GotoAsync("/runs");
            await Expect(page.GetByTestId("kill-banner")).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "kill-switch-banner", output);
        }
        finally
        {
            // The other scenarios share this server: never leave the kill switch engaged.
            using var released = await fixture.Api.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = false, reason = "banner check done" });
            await page.CloseAsync();
        }

        var after = await fixture.Context.NewPageAsync();
        await after.GotoAsync("/workflows");
        await Expect(after.GetByTestId("new-workflow")).ToBeVisibleAsync();
        await Expect(after.GetByTestId("kill-banner")).ToHaveCountAsync(0);
        await after.CloseAsync();
    }
}
