using System.Net.Http.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The version history's visual diff: what changed between two saved versions, on a canvas.</summary>
[Collection(BrowserCollection.Name)]
public sealed class VersionDiffScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task History_WhenAVersionChangesAddsAndRemovesNodes_TheCanvasColoursEachByItsChange()
    {
        var workflowId = await fixture.CreateWorkflowAsync($"Diff {Guid.NewGuid():N}"[..13], Graph(
            [Node("start", "trigger.manual", new { }, 0, 100), Node("greet", "transform", new { expression = "'Hello'" }, 280, 100), Node("archive", "transform", new { expression = "1" }, 560, 0)],
            [Edge("start", "greet"), Edge("greet", "archive")]));
        using (var saved = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/versions", new
        {
            graph = Graph(
                [Node("start", "trigger.manual", new { }, 0, 100),
                    Node("greet", "transform", new { expression = "'Hello, ' + input.name" }, 280, 100), Node("notify", "transform", new { expression = "2" }, 560, 200)],
                [Edge("start", "greet"), Edge("greet", "notify")]),
            message = "Greet by name, notify instead of archiving",
            baseVersion = 1,
        }))
        {
            saved.EnsureSuccessStatusCode();
        }

        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync($"/workflows/{workflowId}");
        await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
        await (await EditorBar.ActionAsync(page, "history-button")).ClickAsync();

        var canvas = page.GetByTestId("diff-canvas");
        await Expect(canvas.GetByTestId("diff-node-start")).ToHaveAttributeAsync("data-change", "unchanged");
        await Expect(canvas.GetByTestId("diff-node-greet")).ToHaveAttributeAsync("data-change", "changed");
        await Expect(canvas.GetByTestId("diff-node-notify")).ToHaveAttributeAsync("data-change", "added");
        await Expect(canvas.GetByTestId("diff-node-archive")).ToHaveAttributeAsync("data-change", "removed");
        await Expect(canvas.Locator(".react-flow__edge.diff-edge-added")).ToHaveCountAsync(1);
        await Expect(canvas.Locator(".react-flow__edge.diff-edge-removed")).ToHaveCountAsync(1);
        await Expect(canvas.Locator(".react-flow__edge.diff-edge-unchanged")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("diff-legend")).ToContainTextAsync("added");
        await Expect(page.GetByTestId("diff")).ToContainTextAsync("node removed");

        // The removed node is a ghost where v1 had it; the added one is where v2 put it.
        var archive = await canvas.GetByTestId("diff-node-archive").BoundingBoxAsync();
        var notify = await canvas.GetByTestId("diff-node-notify").BoundingBoxAsync();
        Assert.NotNull(archive);
        Assert.NotNull(notify);
        Assert.True(archive.Y < notify.Y, $"archive at y={archive.Y} should be above notify at y={notify.Y}");
        await Artifacts.ScreenshotAsync(page, "version-visual-diff", output);

        // Comparing a version with itself shows the graph unchanged.
        await page.GetByRole(AriaRole.Row, new() { Name = "v2" }).GetByRole(AriaRole.Button, new() { Name = "from" }).ClickAsync();
        await Expect(canvas.GetByTestId("diff-node-greet")).ToHaveAttributeAsync("data-change", "unchanged");
        await Expect(canvas.GetByTestId("diff-node-archive")).ToHaveCountAsync(0);
        await page.CloseAsync();
    }

    private static object Graph(object[] nodes, object[] edges) => new { version = "1.0", nodes, edges };

    private static object Node(string id, string type, object config, int x, int y) => new { id, type, config, position = new { x, y } };

    private static object Edge(string source, string target) => new { source, target, sourceHandle = "success", targetHandle = "in" };
}
