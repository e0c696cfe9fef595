using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The node-type kill switches on the governance page: a run parks at a switched-off type and resumes when it is back on.</summary>
[Collection(BrowserCollection.Name)]
public sealed class NodeTypeSwitchScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task NodeTypes_WhenTransformIsSwitchedOffAndOnFromThePage_TheRunWaitsThenCompletes()
    {
        var workflowId = await CreateWorkflowAsync();
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync("/governance?tab=node-types");
            var row = page.Locator("[data-testid='node-type-row'][data-type='transform']");
            await Expect(row.GetByRole(AriaRole.Switch)).ToHaveAttributeAsync("aria-checked", "true");

            // Switching off asks for a reason first; the confirm button stays disabled without one.
            await row.GetByRole(AriaRole.Switch).ClickAsync();
            await Expect(page.GetByTestId("reason-confirm")).ToBeDisabledAsync();
            await page.GetByTestId("reason").FillAsync("the mapping rounds prices wrong");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(row.GetByRole(AriaRole.Switch)).ToHaveAttributeAsync("aria-checked", "false");
            await Expect(row.GetByTestId("node-type-state")).ToHaveTextAsync("off");
            await Expect(row).ToContainTextAsync("the mapping rounds prices wrong");
            await Expect(row).ToContainTextAsync("admin");
            await Expect(page.GetByTestId("node-type-history-row").First).ToContainTextAsync("switched off");
            await Artifacts.ScreenshotAsync(page, "governance-node-type-off", output);

            // A run now waits at the transform, with the reason on its node.
            var runId = await StartAsync(workflowId);
            await page.GotoAsync($"/runs/{runId}");
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("waiting", new() { Timeout = 30_000 });
            await page.GetByTestId("node-price").ClickAsync();
            await Expect(page.GetByTestId("wait-reason")).ToContainTextAsync("node_type_disabled");
            await Expect(page.GetByTestId("node-type-disabled-note")).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "run-parked-node-type-off", output);

            await page.GotoAsync("/governance?tab=node-types");
            await row.GetByRole(AriaRole.Switch).ClickAsync();
            await page.GetByTestId("reason").FillAsync("mapping fixed in v2");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(row.GetByRole(AriaRole.Switch)).ToHaveAttributeAsync("aria-checked", "true");
            await Expect(page.GetByTestId("node-type-history-row").First).ToContainTextAsync("mapping fixed in v2");
            await Artifacts.ScreenshotAsync(page, "governance-node-type-on", output);

            await page.GotoAsync($"/runs/{runId}");
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        }
        finally
        {
            await page.CloseAsync();
            // The other scenarios share this server: never leave transform switched off.
            using var restore = await fixture.Api.PutAsJsonAsync("/api/node-types/transform/switch", new { enabled = true, reason = "browser scenario cleanup" });
        }

        var audit = await fixture.Api.GetStringAsync("/api/audit?action=node_type.disabled&limit=500");
        Assert.Contains("the mapping rounds prices wrong", audit, StringComparison.Ordinal);
    }

    private async Task<string> CreateWorkflowAsync()
    {
        using var created = await fixture.Api.PostAsJsonAsync("/api/workflows", new
        {
            name = $"Node switch {Guid.NewGuid():N}"[..20],
            graph = new
            {
                version = "1.0",
                nodes = new object[]
                {
                    new { id = "start", type = "trigger.manual", config = new { } },
                    new { id = "price", type = "transform", config = new { expression = "input.amount * 2" } },
                },
                edges = new[] { new { source = "start", target = "price", sourceHandle = "success", targetHandle = "in" } },
            },
        });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["workflow"]!["id"]!.GetValue<string>();
    }

    private async Task<string> StartAsync(string workflowId)
    {
        using var started = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { amount = 21 } });
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }
}
