using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// The Trust page on the shipped demo: two dispenses verified by the pharmacist at observe, the scope then pinned at
/// guarded_auto; the scope with its stage, its trust over time with the stage change marked, and the approval card of a
/// controlled-substance scenario (a rule still asks a person) that shows the trust decision with the predictions' explanation
/// — first from the cold-start priors, then, after a history is posted and the models retrained, from the trained models
/// (their versions and feature contributions on the card, their model cards with metrics and charts on the Trust page).
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

    [Fact]
    public async Task Trust_WhenModelsAreTrainedFromSeededEvents_ShowsTheTrainedExplanationOnTheApprovalCardAndTheModelCards()
    {
        // A lower training minimum keeps the seeding short; everything else is the shipped default.
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["TRUST_MIN_TRAINING_EXAMPLES"] = "100" });
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        await SeedDispenseHistoryAsync(api, 180);
        var retrained = (await (await api.PostAsync("/api/trust/models/retrain", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;
        output.WriteLine($"retrain: {retrained.ToJsonString()}");
        // The seeded RX-1003 was asked before any model existed: decide it, then ask again with the models in place.
        await DecideAsync(api, "Verify RX-1003", "reject");
        var key = Uri.EscapeDataString("acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist");
        (await api.PutAsJsonAsync($"/api/trust/scopes/{key}/pin", new { stage = "guarded_auto", reason = "demo: the pharmacists trust the routine refills" })).EnsureSuccessStatusCode();
        (await api.PostAsync("/api/demo/scenarios/controlled_substance/start", null)).EnsureSuccessStatusCode();
        var page = await fixture.Context.NewPageAsync();
        try
        {
            // The controlled refill is asked under the scope's guarded_auto pin (a rule still wants a person), with the trained predictions.
            await page.GotoAsync(new Uri(server.BaseAddress, "approvals").ToString());
            var card = page.Locator("article", new() { HasText = "Verify RX-1003" });
            await Expect(card).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var trust = card.GetByTestId("evidence-trust");
            var approval = trust.GetByTestId("prediction-approval");
            await Expect(approval).Not.ToContainTextAsync("prior:");
            await Expect(approval).Not.ToContainTextAsync("cold start");
            await Expect(approval.Locator("code")).ToContainTextAsync(new Regex("^approval-\\d{8}T\\d{6}Z-[0-9a-f]{8}$"));
            await Expect(approval.Locator(".trust-contrib li").First).ToBeVisibleAsync();
            await Expect(trust.GetByTestId("prediction-success").Locator(".trust-contrib li").First).ToBeVisibleAsync();
            await Expect(trust.GetByTestId("trust-explanation")).ToContainTextAsync(new Regex("approval \\d\\.\\d\\d: [a-z_.]+ .+ \\([+-]\\d\\.\\d\\d\\)"));
            await trust.ScrollIntoViewIfNeededAsync();
            await Artifacts.ScreenshotAsync(page, "trust-4-approval-trained-explanation", output);

            await page.GotoAsync(new Uri(server.BaseAddress, "trust").ToString());
            var models = page.GetByTestId("trust-models");
            await Expect(models.GetByTestId("model-card")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
            await Expect(models).ToContainTextAsync("Last trained");
            foreach (var kind in new[] { "approval", "outcome" })
            {
                var model = models.GetByTestId("model-card").Filter(new() { HasText = kind + "-" });
                await Expect(model).ToContainTextAsync(new Regex("AUC \\d\\.\\d{3}"));
                await Expect(model.Locator(".recharts-wrapper").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }

            await models.ScrollIntoViewIfNeededAsync();
            await Artifacts.ScreenshotAsync(page, "trust-3-page-trained-models", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// Posts <paramref name="count"/> past dispense proposals of the demo's scope, as another system would: each with its
    /// feature snapshot, a pharmacist's decision and, when approved, the execution's result. The labels follow the
    /// features (large controlled fills are refused, large fills fail more often) with seeded noise.
    /// </summary>
    private static async Task SeedDispenseHistoryAsync(HttpClient api, int count)
    {
        string[] drugs = ["Atorvastatin 20 mg", "Lisinopril 10 mg", "Oxycodone 5 mg", "Amoxicillin 500 mg", "Metformin 500 mg"];
        var random = new Random(14);
        var scope = new { tenant = "acme-pharmacy", site = "store-001", queue = "refill", actionType = "pharmacy.dispense", role = "pharmacist" };
        var start = DateTimeOffset.UtcNow.AddMinutes(-15 * (count + 1));
        for (var i = 0; i < count; i++)
        {
            var drug = drugs[i % drugs.Length];
            var controlled = drug.StartsWith("Oxycodone", StringComparison.Ordinal);
            var quantity = 10 + random.Next(111);
            var daysSinceLastFill = 10 + random.Next(80);
            var approved = !(controlled && quantity > 60) && !(daysSinceLastFill < 20 && random.NextDouble() < 0.6) && random.NextDouble() > 0.08;
            var succeeded = !(quantity > 90 && random.NextDouble() < 0.7) && random.NextDouble() > 0.1;
            var at = start.AddMinutes(15 * i);
            var id = $"seed-{i}";
            await PostEventAsync(api, new
            {
                kind = "proposal",
                proposalId = id,
                scope,
                at,
                reversible = true,
                context = new { quantity, controlled, refills_left = random.Next(4), days_since_last_fill = daysSinceLastFill, drug },
            });
            await PostEventAsync(api, new { kind = "decision", proposalId = id, scope, at = at.AddMinutes(3), result = approved ? "approved" : "rejected", latencySeconds = 180 });
            if (approved)
            {
                await PostEventAsync(api, new { kind = "execution", proposalId = id, scope, at = at.AddMinutes(4), result = succeeded ? "succeeded" : "failed", mode = "person", durationMs = 900 });
            }
        }
    }

    private static async Task PostEventAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/api/trust/events", body);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /api/trust/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
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
