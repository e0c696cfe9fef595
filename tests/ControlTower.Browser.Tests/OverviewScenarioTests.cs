using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// Outside demo mode the landing page is the Overview: live figures from the metrics summary, charts loaded on demand,
/// SLO status from <c>/api/slos</c>, and the alert banner once a failure burst makes the availability SLO page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OverviewScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string AdminKey = "browser-test-admin-key-0123456789abcdef";

    [Fact]
    public async Task Overview_AfterAFailureBurst_ShowsFiguresChartsSloAndTheAlertBanner()
    {
        var sloFile = Path.Combine(Directory.CreateTempSubdirectory("controltower-slo-").FullName, "slos.json");
        await File.WriteAllTextAsync(sloFile, """
            { "version": 1, "objectives": [
              { "id": "runs-availability", "kind": "availability", "objective": 0.99, "periodDays": 30 },
              { "id": "runs-latency", "kind": "latency", "objective": 0.95, "latencyThresholdMs": 2000, "periodDays": 30 } ] }
            """);
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ENVIRONMENT"] = "development",
            ["ADMIN_API_KEY"] = AdminKey,
            ["SLO_FILE"] = sloFile,
            ["SLO_EVALUATION_SECONDS"] = "1",
            ["OPS_SAMPLE_SECONDS"] = "1",
        });
        using var admin = new HttpClient { BaseAddress = server.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var workflow = await CreateWorkflowAsync(admin);
        for (var i = 0; i < 12; i++)
        {
            (await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { ok = i % 3 != 0 } })).EnsureSuccessStatusCode();
        }

        var page = await fixture.Context.NewPageAsync();
        await page.SetViewportSizeAsync(1440, 1100);
        await page.GotoAsync(server.BaseAddress.ToString());
        await page.GetByLabel("API key").FillAsync(AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("kpi-throughput")).ToContainTextAsync("8 completed, 4 failed", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("kpi-errors")).ToContainTextAsync("refill.blocked");
        await Expect(page.GetByTestId("chart-throughput").GetByRole(AriaRole.Application)).ToBeVisibleAsync();
        await Expect(page.GetByTestId("chart-latency").GetByRole(AriaRole.Application)).ToBeVisibleAsync();
        await Expect(page.GetByTestId("chart-queue").GetByRole(AriaRole.Application)).ToBeVisibleAsync();
        await Expect(page.GetByTestId("slo-runs-availability")).ToContainTextAsync("4 bad of 12 runs");
        await Expect(page.GetByTestId("alert-banner")).ToContainTextAsync("runs-availability page-1h", new() { Timeout = 45_000 });
        await page.Locator(".recharts-bar-rectangle").First.WaitForAsync();
        var shot = await Artifacts.ScreenshotAsync(page, "overview", output);

        await page.GetByRole(AriaRole.Link, new() { Name = "Workflows" }).ClickAsync();
        await Expect(page.GetByTestId("alert-banner")).ToBeVisibleAsync();
        Assert.True(File.Exists(shot));
        await page.CloseAsync();
    }

    private static async Task<string> CreateWorkflowAsync(HttpClient admin)
    {
        static JsonObject Node(string id, string type, JsonObject config, int y) =>
            new() { ["id"] = id, ["type"] = type, ["config"] = config, ["position"] = new JsonObject { ["x"] = 80, ["y"] = y } };
        static JsonObject Edge(string source, string target, string handle) =>
            new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = handle, ["targetHandle"] = "in" };
        var graph = new JsonObject
        {
            ["version"] = "1.0",
            ["nodes"] = new JsonArray(
                Node("start", "trigger.manual", [], 40),
                Node("gate", "condition", new JsonObject { ["expression"] = "input.ok" }, 160),
                Node("done", "transform", new JsonObject { ["expression"] = "{'ok': true}" }, 280),
                Node("stop", "fail", new JsonObject { ["code"] = "refill.blocked", ["message"] = "blocked" }, 400)),
            ["edges"] = new JsonArray(Edge("start", "gate", "success"), Edge("gate", "done", "true"), Edge("gate", "stop", "false")),
            ["config"] = new JsonObject(),
        };
        var created = await (await admin.PostAsJsonAsync("/api/workflows", new { name = "refill gate", graph })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>();
        return created!["workflow"]!["id"]!.GetValue<string>();
    }
}
