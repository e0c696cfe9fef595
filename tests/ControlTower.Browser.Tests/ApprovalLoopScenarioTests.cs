using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The approval loop closed where the approver works: in the run view, counted in the menu, usable on a phone.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApprovalLoopScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task RunView_WhenANodeWaitsOnAnApproval_ItIsDecidedThereWithARequiredComment()
    {
        // The demo's RX-1002 is renewed by its prescriber and then waits for the pharmacist's verification at the dispense;
        // it was started by the demo's refill bot, so the demo admin may decide it.
        var runId = await FindRunAsync("RX-1002");
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync($"/runs/{runId}");
            await Expect(page.Locator("[data-testid='node-dispense'][data-status='waiting']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("waiting");
            await Expect(page.GetByTestId("pending-approvals")).ToBeVisibleAsync();
            await page.GetByTestId("node-dispense").ClickAsync();
            var card = page.GetByTestId("run-approval");
            await Expect(card).ToContainTextAsync("Lisinopril");
            await Expect(card.GetByTestId("reject")).ToBeDisabledAsync();
            await card.GetByLabel("Comment").FillAsync("Renewal needs a visit first");
            await Expect(card.GetByTestId("reject")).ToBeEnabledAsync();
            await Artifacts.ScreenshotAsync(page, "run-view-approval", output);

            await card.GetByTestId("reject").ClickAsync();
            // The rejected dispense ends the refill "declined by the pharmacist": the run completes in the failed phase, live in the same view.
            await Expect(page.GetByTestId("run-phase")).ToContainTextAsync("failed", new() { Timeout = 30_000 });
            await Expect(page.Locator("[data-testid='node-dispense'][data-status='waiting']")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
            // Beside the canvas, what happened next: the dispense was not executed, and the run's status.
            var next = page.GetByTestId("run-approval-decided").GetByTestId("what-next");
            await Expect(next.GetByTestId("what-next-action")).ToContainTextAsync("not executed (rejected)", new() { Timeout = 30_000 });
            await Expect(next.GetByTestId("what-next-run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            await Artifacts.ScreenshotAsync(page, "run-view-approval-decided", output);
        }
        finally
        {
            await page.CloseAsync();
        }

        var audit = await fixture.Api.GetStringAsync("/api/audit?action=approval.decided&limit=500");
        Assert.Contains("Renewal needs a visit first", audit, StringComparison.Ordinal);
    }

    private async Task<string> FindRunAsync(string rx)
    {
        var runs = await fixture.Api.GetFromJsonAsync<JsonNode>("/api/runs?limit=200");
        foreach (var run in runs!["items"]!.AsArray())
        {
            if (run!["input"] is JsonObject input && (string?)input["rx"] == rx)
            {
                return run["id"]!.GetValue<string>();
            }
        }

        throw new InvalidOperationException($"No run for {rx}.");
    }

    [Fact]
    public async Task Approvals_OnA390PxPhone_FitTheScreenAndNeedAComment()
    {
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/approvals");
            var card = page.GetByTestId("approval").First;
            await Expect(card).ToBeVisibleAsync(new() { Timeout = 30_000 });
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"the page is {width} px wide on a 390 px screen");

            await Expect(card.GetByTestId("approve")).ToBeDisabledAsync();
            await card.GetByLabel("Comment").FillAsync("Looks right");
            await Expect(card.GetByTestId("approve")).ToBeEnabledAsync();
            var approve = await card.GetByTestId("approve").BoundingBoxAsync();
            Assert.NotNull(approve);
            Assert.True(approve.X + approve.Width <= 390 && approve.Height >= 40, $"approve at {approve.X}+{approve.Width}, {approve.Height} px high");
            await card.GetByLabel("Comment").FillAsync("");
            await Artifacts.ScreenshotAsync(page, "approvals-390", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
