using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// The shipped pharmacy demo's main story, on a server of its own (the shared one's RX-1001 is approved by another
/// scenario): a refill approved in the inbox, dispensed under governance, rolled back, the stock restored, the chain intact.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string Drug = "Atorvastatin 20 mg";

    [Fact]
    public async Task Demo_WhenThePharmacistApprovesARefill_TheDispenseIsGovernedAndCanBeRolledBack()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var page = await fixture.Context.NewPageAsync();
        try
        {
            Assert.Equal(500, StockOnHand(server));
            var runId = await ApproveRefillAsync(page, server);
            await WatchRunAsync(page, runId);
            var executionId = await RollBackAsync(page, api, server, runId);
            Assert.Equal(500, StockOnHand(server));

            var restored = await api.GetFromJsonAsync<JsonElement>($"/api/executions/{executionId}");
            // The compensation's answer is the MCP result: restock's count is in its structuredContent.
            Assert.Equal(500, restored.GetProperty("rollbackResult").GetProperty("structuredContent").GetProperty("on_hand").GetInt32());

            // The inventory server the dispense and its undo went through, federated like any other.
            await page.GotoAsync(Url(server, "mcp-servers"));
            var pharmacy = page.GetByTestId("server-pharmacy");
            await Expect(pharmacy.GetByTestId("tool-count")).ToHaveTextAsync("12 tools");
            await pharmacy.GetByTestId("tool-get_stock").ClickAsync();
            await Expect(pharmacy.GetByTestId("tool-schema")).ToContainTextAsync("drug");
            await pharmacy.GetByTestId("test-connection").ClickAsync();
            await Expect(pharmacy.GetByTestId("test-result")).ToContainTextAsync("connected: 12 tools");
            // A read-only tool can be tried from here with a form from its schema; its answer is the live stock.
            await pharmacy.GetByLabel("Arguments (JSON)").FillAsync($$"""{ "drug": "{{Drug}}" }""");
            await pharmacy.GetByTestId("try-run").ClickAsync();
            await Expect(pharmacy.GetByTestId("try-result")).ToContainTextAsync("\"on_hand\": 500");
            await Artifacts.ScreenshotAsync(page, "demo-6-mcp-pharmacy", output);

            await page.GotoAsync(Url(server, "audit"));
            await page.GetByTestId("verify").ClickAsync();
            await Expect(page.GetByTestId("verification")).ToContainTextAsync("Chain intact");
            await page.GetByLabel("Action").FillAsync("governance.action_rolled_back");
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            var rolledBack = page.GetByTestId("audit-table").Locator("tbody tr");
            await Expect(rolledBack).ToHaveCountAsync(1);
            // A long target is shortened in the cell, whole in its tooltip, and links to the page that shows it.
            var target = rolledBack.Locator(".audit-target");
            await Expect(target).ToHaveAttributeAsync("title", $"execution:{executionId}");
            await Expect(target.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", "/governance");
            await Expect(rolledBack).ToContainTextAsync("patient picked up at another branch");
            await Artifacts.ScreenshotAsync(page, "demo-7-audit-intact", output);

            await SecondCheckEvidenceAsync(page, server);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>The inbox: the refill's request and checks readable, approved with a comment; answers the run's id.</summary>
    private async Task<string> ApproveRefillAsync(IPage page, ServerProcess server)
    {
        await page.GotoAsync(Url(server, "approvals"));
        var card = page.Locator("article", new() { HasText = "Verify RX-1001" });
        await Expect(card).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(card.GetByTestId("approval-workflow")).ToHaveTextAsync("Prescription refill");
        await Expect(card).ToContainTextAsync("Maria Lopez");
        await Expect(card.GetByTestId("evidence-arguments")).ToContainTextAsync(Drug);
        await Expect(card.GetByTestId("evidence-features")).ToContainTextAsync("interaction severity");
        await Expect(card.GetByTestId("evidence-raw").Locator("pre")).Not.ToBeVisibleAsync();
        await card.ScrollIntoViewIfNeededAsync();
        await Artifacts.ScreenshotAsync(page, "demo-1-inbox-rx1001", output);

        await card.GetByLabel("Comment").FillAsync("Identity, allergies and interactions checked");
        await card.GetByTestId("approve").ClickAsync();
        // It leaves the pending list; on top, "just decided" follows what its run does next.
        await Expect(page.Locator(".stack:not([data-testid='just-decided']) > article", new() { HasText = "Verify RX-1001" }))
            .ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("just-decided").Locator("article", new() { HasText = "Verify RX-1001" }).GetByTestId("what-next")).ToBeVisibleAsync();

        // The decided approval moves to the closed history, which links to its run.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Closed" }).ClickAsync();
        var closed = page.Locator("article", new() { HasText = "Verify RX-1001" });
        await Expect(closed).ToContainTextAsync("Identity, allergies and interactions checked");
        await closed.Locator("a[href^='/runs/']").ClickAsync();
        await Expect(page).ToHaveURLAsync(DashboardUrls.Run());
        return page.Url[(page.Url.LastIndexOf('/') + 1)..];
    }

    private async Task WatchRunAsync(IPage page, string runId)
    {
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid='node-dispense'][data-status='succeeded']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid='node-dispensed'][data-status='succeeded']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-phase")).ToHaveTextAsync("completed");
        Assert.EndsWith(runId, page.Url, StringComparison.Ordinal);
        await Artifacts.ScreenshotAsync(page, "demo-2-run-dispensed", output);
    }

    /// <summary>Governance → Executions: the dispense's diff and countdown, then its rollback with a reason; answers the execution's id.</summary>
    private async Task<string> RollBackAsync(IPage page, HttpClient api, ServerProcess server, string runId)
    {
        var executions = JsonNode.Parse(await api.GetStringAsync($"/api/executions?runId={runId}"))!.AsArray();
        var executionId = Assert.Single(executions)!["id"]!.GetValue<string>();

        // From the run's dispense node to its execution; then the same execution from the Governance tab.
        await page.GetByTestId("node-dispense").ClickAsync();
        await Expect(page.GetByTestId("node-details").GetByTestId("open-execution")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "demo-2b-dispense-node", output);
        await page.GetByTestId("node-details").GetByTestId("open-execution").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/governance\\?tab=executions&execution={executionId}$"));
        var detail = page.GetByTestId("execution-detail");
        await Expect(detail).ToContainTextAsync("pharmacy/dispense");

        await page.GotoAsync(Url(server, "governance"));
        await page.GetByTestId("tab-executions").ClickAsync();
        var row = page.Locator($"[data-execution='{executionId}']");
        await Expect(row).ToContainTextAsync("pharmacy/dispense");
        await row.ClickAsync();
        var diff = detail.GetByTestId("execution-diff");
        await Expect(diff).ToContainTextAsync("/on_hand");
        await Expect(diff).ToContainTextAsync("500");
        await Expect(diff).ToContainTextAsync("470");
        await Expect(row.GetByTestId("countdown")).ToContainTextAsync("left");
        Assert.Equal(470, StockOnHand(server));
        await Artifacts.ScreenshotAsync(page, "demo-3-execution-diff", output);

        await detail.GetByTestId("rollback").ClickAsync();
        await page.GetByTestId("reason").FillAsync("patient picked up at another branch");
        await Artifacts.ScreenshotAsync(page, "demo-4-rollback-reason", output);
        await page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(row).ToContainTextAsync("rolled back");
        await Expect(detail).ToContainTextAsync("patient picked up at another branch");
        await Expect(detail.GetByTestId("rollback")).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(page, "demo-5-rolled-back", output);
        return executionId;
    }

    /// <summary>RX-1003 is controlled: the verification names the rule that would ask for it at any trust stage, with the governed proposal as evidence.</summary>
    private async Task SecondCheckEvidenceAsync(IPage page, ServerProcess server)
    {
        await page.GotoAsync(Url(server, "approvals"));
        var card = page.Locator("article", new() { HasText = "Verify RX-1003" });
        await Expect(card).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var proposal = card.GetByTestId("evidence-proposal");
        await Expect(proposal).ToContainTextAsync("pharmacy/dispense");
        await Expect(proposal).ToContainTextAsync("pharmacy.dispense");
        await Expect(proposal.GetByTestId("evidence-arguments")).ToContainTextAsync("RX-1003");
        var hit = card.GetByTestId("evidence-rules").GetByTestId("rule-hit");
        await Expect(hit).ToHaveCountAsync(1);
        await Expect(hit).ToContainTextAsync("controlled_substance");
        await Expect(hit).ToContainTextAsync("controlled substance: second count");
        await Expect(card.GetByTestId("evidence-rules")).ToContainTextAsync("large_quantity");
        await Expect(card.GetByTestId("evidence-gate")).ToContainTextAsync("authorized");
        await Expect(card.GetByTestId("evidence-gate")).ToContainTextAsync("pharmacy.dispense");
        await Expect(card.GetByTestId("evidence-why")).ToBeVisibleAsync();
        await card.ScrollIntoViewIfNeededAsync();
        await Artifacts.ScreenshotAsync(page, "demo-8-second-check-evidence", output);

        // The raw JSON stays available, folded away.
        var raw = card.GetByTestId("evidence-raw");
        await Expect(raw.Locator("pre")).Not.ToBeVisibleAsync();
        await raw.Locator("summary").ClickAsync();
        await Expect(raw.Locator("pre")).ToContainTextAsync("\"ruleSetId\": \"pharmacy-dispense\"");

        // The shared browser keeps the theme: back to light afterwards.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await card.ScrollIntoViewIfNeededAsync();
        await Artifacts.ScreenshotAsync(page, "demo-9-second-check-evidence-dark", output);
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
    }

    private static string Url(ServerProcess server, string path) => new Uri(server.BaseAddress, path).ToString();

    /// <summary>Atorvastatin's count in the demo's inventory file (<c>{ items: { drug: stock }, operations }</c>), as the pharmacy MCP server wrote it.</summary>
    private static int StockOnHand(ServerProcess server)
    {
        var inventory = JsonNode.Parse(File.ReadAllText(Path.Combine(server.DataDirectory, "pharmacy", "inventory.json")))!;
        return inventory["items"]?[Drug]?["on_hand"]?.GetValue<int>()
            ?? throw new InvalidOperationException($"{Drug} is not in the inventory: {inventory.ToJsonString()}");
    }
}
