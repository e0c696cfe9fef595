using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The editor as a place to work all day: a canvas that scales, undo, copy/paste, the leave guard and the local draft.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EditorCanvasScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Canvas_WhenTheRefillWorkflowOpensAt1024And1440_ItsNodesStayReadable()
    {
        // A copy of the demo's refill workflow, so arranging it leaves the shared demo alone.
        var workflowId = await CopyRefillAsync();
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.SetViewportSizeAsync(1024, 768);
            await page.GotoAsync($"/workflows/{workflowId}");
            await Expect(page.GetByTestId("node-order")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            // On a narrow screen the side panels start folded and the minimap shows the whole graph.
            await Expect(page.Locator("aside.palette")).ToHaveCountAsync(0);
            await Expect(page.Locator(".react-flow__minimap")).ToBeVisibleAsync();
            await page.WaitForTimeoutAsync(400);
            await AssertReadableAsync(page, minimumVisible: 3);
            await Artifacts.ScreenshotAsync(page, "editor-refill-1024", output);

            await (await EditorBar.ActionAsync(page, "toggle-palette")).ClickAsync();
            await Expect(page.Locator("aside.palette")).ToBeVisibleAsync();
            await (await EditorBar.ActionAsync(page, "toggle-palette")).ClickAsync();
            await Expect(page.Locator("aside.palette")).ToHaveCountAsync(0);

            await page.SetViewportSizeAsync(1440, 900);
            await page.GetByTestId("fit-view").ClickAsync();
            await page.WaitForTimeoutAsync(400);
            await AssertReadableAsync(page, minimumVisible: 5);
            await Artifacts.ScreenshotAsync(page, "editor-refill-1440", output);

            // The same canvas in the dark theme (edges, node borders and labels keep their contrast), then back.
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
            await Artifacts.ScreenshotAsync(page, "editor-refill-dark", output);
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");

            // Arrange lays the graph out in layers left to right; undo takes it back to the saved layout.
            await page.GetByTestId("auto-arrange").ClickAsync();
            await Expect(page.GetByText("unsaved changes")).ToBeVisibleAsync();
            var start = await XAsync(page, "order");
            var lookup = await XAsync(page, "get_prescription");
            var eligibility = await XAsync(page, "check_eligibility");
            Assert.True(start < lookup && lookup < eligibility, $"layers out of order: {start}, {lookup}, {eligibility}");
            await page.WaitForTimeoutAsync(400);
            await Artifacts.ScreenshotAsync(page, "editor-refill-arranged", output);
            await page.GetByTestId("undo").ClickAsync();
            await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v1");
            await Expect(page.GetByText("saved", new() { Exact = true })).ToBeVisibleAsync();
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Editor_WhenNodesAreEditedCopiedAndLeft_UndoPasteGuardAndDraftWork()
    {
        await fixture.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var workflowId = await fixture.CreateWorkflowAsync($"Undo {Guid.NewGuid():N}"[..16], new
        {
            version = "1.0",
            nodes = new object[]
            {
                new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 0 } },
                new { id = "shape", type = "transform", config = new { expression = "input" }, position = new { x = 260, y = 0 } },
            },
            edges = new[] { new { source = "start", target = "shape", sourceHandle = "success", targetHandle = "in" } },
        });
        var page = await fixture.Context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            // The menu's question is answered "stay"; the browser's own one on reload "leave".
            dialogs.Add($"{dialog.Type}: {dialog.Message}");
            if (dialog.Type == DialogType.BeforeUnload)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };
        try
        {
            await page.GotoAsync($"/workflows/{workflowId}");
            var shape = page.GetByTestId("node-shape");
            await shape.ClickAsync();
            await page.GetByTestId("inspector").GetByLabel("Label").FillAsync("Shaped");
            await Expect(shape).ToContainTextAsync("Shaped");
            await page.WaitForTimeoutAsync(500);

            // Undo and redo from the keyboard, once the focus is back on the canvas.
            await page.Locator(".react-flow__pane").ClickAsync(new() { Position = new() { X = 20, Y = 300 } });
            await page.Keyboard.PressAsync("Control+z");
            await Expect(shape.Locator(".title")).ToHaveTextAsync("shape");
            await page.Keyboard.PressAsync("Control+Shift+z");
            await Expect(shape.Locator(".title")).ToHaveTextAsync("Shaped");
            await Artifacts.ScreenshotAsync(page, "editor-undo-redo", output);

            // Two nodes selected, copied and pasted: the copies keep the edge between them.
            await page.GetByTestId("node-start").ClickAsync();
            await shape.ClickAsync(new() { Modifiers = [KeyboardModifier.Control] });
            await Expect(page.GetByTestId("multi-selection")).ToContainTextAsync("2 nodes selected");
            await page.Keyboard.PressAsync("Control+c");
            await page.Keyboard.PressAsync("Control+v");
            await Expect(page.GetByTestId("node-start_copy")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("node-shape_copy")).ToContainTextAsync("Shaped");
            await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
            var clip = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
            Assert.Contains("controltower.nodes/v1", clip, StringComparison.Ordinal);
            await Artifacts.ScreenshotAsync(page, "editor-copy-paste", output);

            // Leaving through the menu asks first; staying keeps the canvas.
            await page.WaitForTimeoutAsync(500);
            await page.Locator("nav.sidenav a[href='/runs']").ClickAsync();
            Assert.Contains(dialogs, d => d.Contains("unsaved changes", StringComparison.Ordinal));
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/workflows/{workflowId}$"));

            // A reload brings the unsaved canvas back from the browser, until it is discarded.
            await page.ReloadAsync();
            Assert.Contains(dialogs, d => d.StartsWith(DialogType.BeforeUnload, StringComparison.Ordinal));
            await Expect(page.GetByTestId("draft-restored")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("node-shape_copy")).ToBeVisibleAsync();
            await Artifacts.ScreenshotAsync(page, "editor-draft-restored", output);
            await page.GetByTestId("draft-discard").ClickAsync();
            await Expect(page.GetByTestId("node-shape_copy")).ToHaveCountAsync(0);
            await Expect(page.GetByText("saved", new() { Exact = true })).ToBeVisibleAsync();

            await page.Locator(".react-flow__pane").ClickAsync(new() { Position = new() { X = 20, Y = 300 } });
            await page.Keyboard.PressAsync("Shift+?");
            await Expect(page.GetByTestId("shortcuts")).ToContainTextAsync("Undo");
            await Artifacts.ScreenshotAsync(page, "editor-shortcuts", output);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private async Task AssertReadableAsync(IPage page, int minimumVisible)
    {
        var canvas = await page.GetByTestId("canvas").BoundingBoxAsync();
        Assert.NotNull(canvas);
        var visible = 0;
        foreach (var node in await page.Locator(".react-flow__node").AllAsync())
        {
            var box = await node.BoundingBoxAsync();
            if (box is null || box.X + box.Width < canvas.X || box.X > canvas.X + canvas.Width)
            {
                continue;
            }

            visible++;
            Assert.True(box.Width >= 120, $"a node is {box.Width:F0} px wide");
        }

        Assert.True(visible >= minimumVisible, $"only {visible} nodes in view");
        output.WriteLine($"{visible} nodes in view, canvas {canvas.Width:F0} px wide");
    }

    private static async Task<float> XAsync(IPage page, string node) =>
        (await page.Locator($".react-flow__node[data-id='{node}']").BoundingBoxAsync())!.X;

    private async Task<string> CopyRefillAsync()
    {
        return await fixture.CreateWorkflowAsync($"Refill copy {Guid.NewGuid():N}"[..20], await fixture.RefillGraphAsync());
    }
}
