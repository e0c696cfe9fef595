using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static ControlTower.Browser.Tests.RunsListScenarioTests;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>After a test run the canvas previews each node's output, and an expression field shows its value on that run (evaluated by the server).</summary>
[Collection(BrowserCollection.Name)]
public sealed class RunDataScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Editor_AfterATestRun_PreviewsOutputsOnTheCanvasAndShowsAnExpressionsValue()
    {
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var workflow = await CreateAsync(api, "Previews", Node("shape", "transform", new JsonObject { ["expression"] = "{'rx': 'RX-7', 'doubled': 4 * 2}" }), null);

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflow}").ToString());
            await Expect(page.GetByTestId("preview-shape")).ToHaveCountAsync(0);

            // A test run from the Run dialog, then back to the editor.
            await page.GetByTestId("run-button").ClickAsync();
            await page.GetByTestId("run-confirm").ClickAsync();
            await Expect(page).ToHaveURLAsync(DashboardUrls.Run(), new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflow}").ToString());

            await Expect(page.GetByTestId("preview-shape")).ToContainTextAsync("doubled: 8");
            await Artifacts.ScreenshotAsync(page, "editor-output-previews", output);

            await page.GetByTestId("node-shape").ClickAsync();
            var expression = page.GetByTestId("inspector").GetByTestId("cel-input").First;
            await expression.FillAsync("nodes.shape.output.doubled + 1");
            var value = page.GetByTestId("inspector").GetByTestId("cel-value");
            await Expect(value).ToContainTextAsync("= 9");
            await Artifacts.ScreenshotAsync(page, "editor-evaluated-value", output);

            await expression.FillAsync("nodes.shape.output.missing");
            await Expect(value).ToHaveAttributeAsync("data-error", new System.Text.RegularExpressions.Regex("^cel\\."));
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
