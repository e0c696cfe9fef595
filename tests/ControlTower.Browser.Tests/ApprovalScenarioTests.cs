using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The pharmacy demo's human gate, decided in the dashboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApprovalScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Inbox_WhenThePharmacistApprovesASeededRefill_TheRunFinishes()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/approvals");
        var card = page.Locator("article", new() { HasText = "Verify RX-1001" });
        await Expect(card).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Artifacts.ScreenshotAsync(page, "approvals-inbox", output);

        await card.Locator("input").FillAsync("Checked identity, allergies and interactions");
        await card.GetByTestId("approve").ClickAsync();
        // It leaves the pending list and stays on top with what the run did next: the dispense ran, and the run finished.
        var decided = page.GetByTestId("just-decided").Locator("article", new() { HasText = "Verify RX-1001" });
        await Expect(decided.GetByTestId("what-next-action")).ToContainTextAsync("executed and succeeded", new() { Timeout = 60_000 });
        await Expect(decided.GetByTestId("what-next-run-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(decided.Locator("[data-testid='what-next-step'][data-node='dispensed']")).ToContainTextAsync("succeeded");
        await Expect(page.Locator(".stack:not([data-testid='just-decided']) > article", new() { HasText = "Verify RX-1001" })).ToHaveCountAsync(0);
        await decided.GetByTestId("what-next").ScrollIntoViewIfNeededAsync();
        await Artifacts.ScreenshotAsync(page, "approvals-what-happened-next", output);

        var runId = await FindRunAsync("RX-1001");
        await page.GotoAsync($"/runs/{runId}");
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid='node-dispensed'][data-status='succeeded']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-phase")).ToHaveTextAsync("completed");
        await Artifacts.ScreenshotAsync(page, "refill-dispensed", output);
        await page.CloseAsync();

        var audit = await fixture.Api.GetStringAsync("/api/audit?action=approval.decided&limit=500");
        Assert.Contains("Checked identity, allergies and interactions", audit, StringComparison.Ordinal);
    }

    private async Task<string> FindRunAsync(string rx)
    {
        var page = await fixture.Api.GetFromJsonAsync<JsonElement>("/api/runs?limit=200");
        foreach (var run in page.GetProperty("items").EnumerateArray())
        {
            if (run.GetProperty("input").ValueKind == JsonValueKind.Object
                && run.GetProperty("input").TryGetProperty("rx", out var value) && value.GetString() == rx)
            {
                return run.GetProperty("id").GetString()!;
            }
        }

        throw new InvalidOperationException($"No run for {rx}.");
    }
}
