using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// The Trust page on the shipped demo: two dispenses verified by the pharmacist at observe, the scope then pinned at
/// guarded_auto; the scope with its stage, its trust over time with the stage change marked, and the approval card of a
/// controlled-substance scenario (a rule still asks a person) that shows the trust decision with the predictions' explanation.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TrustScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Trust_WhenTheDemoDispenses_ShowsTheScopeItsHistoryAndTheApprovalsExplanation()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await DecideAsync(api, "Verify RX-1001", "approve");
        await DecideAsync(api, "Verify RX-1004", "approve");
        await DecideAsync(api, "Verify RX-1003", "reject");
        await WaitForExecutionsAsync(api, 2);
        var key = Uri.EscapeDataString("acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist");
        (await api.PutAsJsonAsync($"/api/trust/scopes/{key}/pin", new { stage = "guarded_auto", reason = "demo: the pharmacists trust the routine refills" })).EnsureSuccessStatusCode();
        (await api.PostAsync("/api/demo/scenarios/controlled_substance/start", null)).EnsureSuccessStatusCode();
        var page = await fixture.Context.NewPageAsync();
        try
        {
            // RX-1003 is controlled: at guarded_auto a rule still asks a person, and the card shows what the trust stage said.
            await page.GotoAsync(new Uri(server.BaseAddress, "approvals").ToString());
            var card = page.Locator("article", new() { HasText = "Verify RX-1003" });
            await Expect(card).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var trust = card.GetByTestId("evidence-trust");
            await Expect(trust.GetByTestId("stage-badge")).ToHaveTextAsync("guarded auto");
            await Expect(trust.GetByTestId("trust-why")).ToContainTextAsync("a rule requires a person's approval");
            await Expect(trust.GetByTestId("trust-explanation")).ToContainTextAsync("approval ");
            await Expect(trust.GetByTestId("prediction-approval")).ToContainTextAsync("prior:");
            await trust.ScrollIntoViewIfNeededAsync();
            await Artifacts.ScreenshotAsync(page, "trust-2-approval-explanation", output);

            await page.GotoAsync(new Uri(server.BaseAddress, "trust").ToString());
            var scope = page.GetByTestId("trust-scope");
            await Expect(scope).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(scope).ToContainTextAsync("pharmacy.dispense");
            await Expect(scope.GetByTestId("stage-badge")).ToHaveTextAsync("guarded auto");
            await Expect(scope).ToContainTextAsync("n=2");
            await scope.ClickAsync();
            var detail = page.GetByTestId("trust-scope-detail");
            await Expect(detail.GetByTestId("trust-changes")).ToContainTextAsync("pinned");
            await Expect(detail.GetByTestId("trust-over-time").Locator(".recharts-wrapper").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("trust-models")).ToContainTextAsync("cold-start priors");
            await Artifacts.ScreenshotAsync(page, "trust-1-page", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Waits until the dispense scope's metrics count <paramref name="count"/> executed actions (RX-1001 ran, RX-1004 failed on short stock).</summary>
    private static async Task WaitForExecutionsAsync(HttpClient api, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await api.GetFromJsonAsync<JsonArray>("/api/trust/scopes"))!.FirstOrDefault()?["metrics"]?["alignment"]?["trials"]?.GetValue<int>() < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The dispense scope did not reach {count} executions.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Decides the pending approval titled <paramref name="title"/> (the demo's admin; the refill bot started the run).</summary>
    private static async Task DecideAsync(HttpClient api, string title, string decision)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var page = (await api.GetFromJsonAsync<JsonObject>("/api/approvals?status=pending&limit=100"))!;
            if (page["items"]!.AsArray().FirstOrDefault(a => a!["title"]!.GetValue<string>().StartsWith(title, StringComparison.Ordinal)) is JsonObject approval)
            {
                (await api.PostAsJsonAsync($"/api/approvals/{approval["id"]!.GetValue<Guid>()}/decisions", new { decision, comment = "checked" })).EnsureSuccessStatusCode();
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No pending approval '{title}'.");
            }

            await Task.Delay(200);
        }
    }
}
